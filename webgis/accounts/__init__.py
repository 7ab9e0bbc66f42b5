"""Accounts: login, sessions, API tokens, users and roles, the audit log (issue 5).

Flask-free parts: store.py (users), tokens.py, audit.py, passwords.py,
manage.py (audited operations). Web parts: principal.py (who is asking),
views.py (pages), admin.py (admin pages), api.py (JSON under /auth),
history.py (feature history and restore).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from webgis.accounts import admin, api, history, views
    from webgis.accounts.trail import init_trail

    app.register_blueprint(views.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(history.blueprint)
    init_trail(app)
