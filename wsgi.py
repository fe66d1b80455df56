"""The only global application object: ``gunicorn wsgi:app`` or ``flask --app wsgi``."""
import gc

from tracker import create_app

app = create_app()
# The start-up objects (modules, models, rulebook, templates) live as long as the process: freezing them out of
# the cyclic garbage collector's generations keeps its full passes short. Without it, a pass every few
# requests paused the dashboard of a province's year for about 90 ms (docs/PERFORMANCE.md).
gc.freeze()
