"""sprintlab dashboard: ``streamlit run app.py`` (or ``make app``).

Reads the library at ``$SPRINTLAB_LIBRARY`` (default: sprintlab/ in the user's data folder).
"""

from sprintlab.dashboard.app import main

main()
