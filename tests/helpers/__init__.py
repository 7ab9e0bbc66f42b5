"""Helpers of the test suite, imported as a package (tests.helpers.<name>)."""
