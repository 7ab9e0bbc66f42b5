"""tiles blueprint."""

from flask import Blueprint

blueprint = Blueprint("tiles", __name__)
