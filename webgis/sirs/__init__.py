"""Hospital beds (services/sirs): the citizens' bed finder, a hospital's history, staff's form, the hospitals' API."""
