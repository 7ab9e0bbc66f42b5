"""Waste collection fees (retribusi pelayanan persampahan): the collection points (TPS), the collection
routes, the households and businesses billed by class each month, and paying through the payments engine.
"""
