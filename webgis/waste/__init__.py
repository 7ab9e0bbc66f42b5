"""The waste fee pages: a payer's months by customer number and paying them (views.py)."""
