"""The local settings API: a stand-in for the vendor's service, not the service itself.

``callfwd serve`` runs it: a FastAPI app (``app.create_app``) on uvicorn
(``server.serve``) with its state in SQLite (``store.Store``), loaded from a
seed file (``seed.load_seed``). ``api`` serves the vendor's published reads
(shapes in ``resources``, vocabularies in ``vocab``), ``extensions`` what callfwd
needs beyond them (left out with ``--published-only``), ``probe`` the OPTIONS
answer that says which. Rate limiting (``ratelimit``) and fault
injection (``faults``) are the parts a client's retry logic is tested against.
"""
