"""sprintlab: sprint start and acceleration analysis from side-view video."""

__version__ = "0.1.0"
