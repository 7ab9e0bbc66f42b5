"""The generic service engine (issue 18): what every declared service uses. Flask-free."""
