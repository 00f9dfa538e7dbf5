"""The local settings API: a stand-in for the vendor's service, not the service itself.

``callfwd serve`` runs it: a FastAPI app (``app.create_app``) on uvicorn
(``server.serve``) with its state in SQLite (``store.Store``), loaded from a
seed file (``seed.load_seed``; shapes in ``seed_model``, messages in
``seed_messages``). ``api`` serves the vendor's published reads (resources built
in ``resources`` as the models of ``documents``, vocabularies in ``vocab``),
``extensions`` what callfwd needs beyond them (left out with ``--published-only``),
``probe`` the OPTIONS answer that says which. With ``--admin``, ``admin`` sets the
stage for tests and ``ui`` plays a person in the vendor's UI. Rate limiting
(``ratelimit``) and fault injection (``faults``, answered by ``fault_answers``) are
the parts a client's retry logic and bounds are tested against.
"""
