"""The Streamlit front end (``dnahlm ui``): ``app.py`` navigates, ``page_*.py`` call the library."""
