"""Figures, overlay videos and kinograms built from analysis results."""
