"""The documents blueprint and its authoring part, on which views.py and authoring_views.py put their routes."""
from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
# Authoring is its own blueprint (endpoints documents.authoring.*) so its routes read as the quality manager's.
authoring = Blueprint("authoring", __name__)
bp.register_blueprint(authoring)
