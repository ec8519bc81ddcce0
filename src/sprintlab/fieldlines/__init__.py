"""Calibration from the field itself: painted yard lines and lane lines as the ruler."""
