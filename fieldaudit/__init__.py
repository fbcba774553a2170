"""FieldAudit: offline-first quality audits for the shop floor."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, database, security, blueprints."""
    from . import appdb, assets, auth, config, errors, idempotency, paths, requestlog, security, timefmt
    from .checklists import qtypes
    # View modules (views.py, <topic>_views.py) define routes; several of one area share its blueprint.py.
    from .audits import finding_views, record_views, views as audit_views  # noqa: F401  (routes on the blueprint)
    from .audits.blueprint import bp as audits_bp
    from .auth.admin_views import bp as users_bp
    from .auth.views import bp as auth_bp
    from .capa.views import bp as capa_bp
    from .checklists.builder_views import bp as builder_bp
    from .checklists.views import bp as checklists_bp
    from .documents import authoring_views  # noqa: F401  (routes on the authoring blueprint)
    from .documents.views import bp as documents_bp
    from .evidence.views import bp as evidence_bp
    from .home_views import bp as home_bp, health
    from .kpi.views import bp as kpi_bp
    from .offline import views as offline_views
    from .offline.queue_views import bp as offline_queue_bp
    from .programme import people_views, plan_views  # noqa: F401  (routes on the programme blueprint)
    from .programme.views import bp as programme_bp
    from .reports.summary_views import bp as summaries_bp
    from .reports.views import bp as reports_bp
    from .stations.scan_views import bp as scan_bp
    from .stations.views import bp as stations_bp
    from .sync.admin_views import bp as sync_admin_bp
    from .sync import report_hook, routes  # noqa: F401  (push, pull, blobs and the fleet report on sync_api)
    from .sync.api import bp as sync_api_bp
    from .sync.status_views import bp as sync_ui_bp

    app = Flask(__name__, template_folder=str(paths.resource("templates")),
                static_folder=str(paths.resource("static")),
                instance_path=os.environ.get("FIELDAUDIT_INSTANCE_PATH") or None)
    config.load(app, test_config)
    appdb.init_app(app)
    app.secret_key = app.config.get("SECRET_KEY") or config.secret_key(app.config["DATA_DIR"])
    app.session_interface = security.SessionInterface()
    if int(app.config["PROXY_COUNT"]):
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    requestlog.init_app(app)  # first: its request id and clock cover the sign-in check too
    auth.init_app(app)
    app.before_request(security.check_csrf)
    app.after_request(security.set_headers)
    errors.init_app(app)
    assets.init_app(app)
    timefmt.init_app(app)
    app.jinja_env.globals.update(csrf_token=security.csrf_token, app_version=__version__)
    app.jinja_env.filters["answer_text"] = qtypes.display  # one answer display for page, CSV and PDF
    # Block tags leave no blank lines or indentation behind: a 50-question section page stays light.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_url_rule("/healthz", "health", health)
    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(stations_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(audits_bp)
    app.register_blueprint(checklists_bp)
    app.register_blueprint(builder_bp)
    app.register_blueprint(capa_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(summaries_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(scan_bp)
    app.register_blueprint(sync_api_bp)
    app.register_blueprint(sync_admin_bp)
    app.register_blueprint(sync_ui_bp)
    app.register_blueprint(kpi_bp)
    app.register_blueprint(programme_bp)
    offline_views.init_app(app)
    app.register_blueprint(offline_queue_bp)
    idempotency.init_app(app)  # after every blueprint: it wraps their change views
    return app
