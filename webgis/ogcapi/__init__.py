"""ogcapi blueprint."""

from flask import Blueprint

blueprint = Blueprint("ogcapi", __name__)
