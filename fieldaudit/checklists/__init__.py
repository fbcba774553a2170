"""Checklists: the model, the YAML loader and validator, and the rules an audit applies (no Flask, no database)."""
from .loader import (ChecklistError, Problem, build_checklist, load_checklist, parse_checklist,
                     shipped_checklist_paths, validate_command, validate_files)
from .model import (NA, SEVERITIES, SEVERITY_LABELS, Checklist, FindingRule, Option, Question,
                    Section, ShowIf)
from .rules import (AnswerError, ProposedFinding, Score, SectionScore, is_answered, missing_for_submission,
                    normalize_answer, proposed_finding, proposed_findings, question_score, score,
                    visible_questions)
from .qtypes import QUESTION_TYPES

__all__ = [
    "NA", "QUESTION_TYPES", "SEVERITIES", "SEVERITY_LABELS",
    "Checklist", "Section", "Question", "Option", "ShowIf", "FindingRule",
    "ChecklistError", "Problem", "load_checklist", "parse_checklist", "build_checklist", "validate_files",
    "validate_command", "shipped_checklist_paths",
    "AnswerError", "ProposedFinding", "Score", "SectionScore", "normalize_answer", "is_answered",
    "visible_questions", "proposed_finding", "proposed_findings", "question_score", "score",
    "missing_for_submission",
]
