"""Roles and what each allows; one table so every route asks the same question."""

ROLES = ("operator", "auditor", "quality_manager", "admin")

ROLE_LABELS = {
    "operator": "Operator",
    "auditor": "Auditor",
    "quality_manager": "Quality manager",
    "admin": "Administrator",
}

# Permissions are named after what a person does, so a view asks "may this user do X at site S".
PERMISSIONS = {
    "operator": {"view_site", "read_documents", "update_own_actions"},
    "auditor": {"view_site", "read_documents", "update_own_actions", "run_audits", "view_audits"},
    "quality_manager": {"view_site", "read_documents", "update_own_actions", "run_audits", "view_audits",
                        "manage_capa", "manage_checklists", "approve_documents", "view_reports"},
    "admin": {"view_site", "read_documents", "view_audits", "view_reports", "manage_site",
              "manage_users"},
}


def permissions_for(roles) -> set[str]:
    """The union of the permissions of some roles."""
    allowed = set()
    for role in roles:
        allowed |= PERMISSIONS[role]
    return allowed


# The audit programme (plans, qualifications, own areas, LPA layers): the site's quality managers and admins.
for _role in ("quality_manager", "admin"):
    PERMISSIONS[_role].add("manage_programme")
