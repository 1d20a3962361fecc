"""cpe as gunicorn serves it in the benchmark (database from ``CPE_DATABASE_URL``)."""
from cpe_core import create_app

app = create_app()
