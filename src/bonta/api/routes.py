"""The REST API (django-ninja). OpenAPI at /api/docs and /api/openapi.json.

Endpoints stay thin: parse (schemas), call one service, shape the answer. Errors come back in
one shape (ErrorOut): 401 no token, 403 role, 404 unknown id, 409 state (signed is immutable),
422 invalid input or refused sign-off.
"""

from ninja import NinjaAPI

from bonta.api import encounters, errors, patients, vials
from bonta.api.auth import BearerToken

api = NinjaAPI(title="Bonta API", version="1", urls_namespace="api", auth=BearerToken())
errors.install(api)
api.add_router("/patients", patients.router)
api.add_router("/encounters", encounters.router)
api.add_router("/vials", vials.router)
