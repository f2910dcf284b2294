"""Runnable examples (`python -m ember.examples.basics`)."""
