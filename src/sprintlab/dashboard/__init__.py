"""The Streamlit dashboard: library, rep, compare, athlete and analyse pages.

``app.py`` at the repository root calls :func:`sprintlab.dashboard.app.main`. The page modules
import Streamlit; :mod:`sprintlab.dashboard.data` and :mod:`sprintlab.dashboard.analysis` do not,
and nothing here loads the pose model until a clip is analysed.
"""
