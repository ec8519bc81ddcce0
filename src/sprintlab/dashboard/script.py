"""The dashboard's Streamlit script: what ``sprintlab app`` hands to ``streamlit run``.

Streamlit runs this file top to bottom on every interaction; it is not meant to be imported.
"""

from sprintlab.dashboard.app import main

main()
