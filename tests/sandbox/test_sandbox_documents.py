"""Answers are encoded from the document models: absent stays absent, null stays null."""

from __future__ import annotations

import json

from reconciler.sandbox import documents as doc
from reconciler.sandbox.jsonapi import ApiProblem, encode, error_body


def test_members_left_unset_are_absent_and_none_is_null() -> None:
    attributes = doc.SenderAttributes(forwarding_number=None, status="active")
    assert json.loads(encode(attributes)) == {"forwarding_number": None, "status": "active"}


def test_aliases_are_the_wire_names() -> None:
    links = doc.RelationshipLinks(self_="http://x/a", related="http://x/b")
    assert json.loads(encode(links)) == {"self": "http://x/a", "related": "http://x/b"}


def test_a_lone_surrogate_from_bad_input_is_escaped_not_an_error() -> None:
    body = error_body(ApiProblem(400, "invalid", "bad \ud800 text", parameter="q"))
    assert b"\\ud800" in body and body.isascii()
    (err,) = json.loads(body)["errors"]
    assert err["detail"] == "bad \ud800 text" and err["source"] == {"parameter": "q"}
    assert "meta" not in err


def test_plain_data_still_encodes() -> None:
    assert encode({"a": [1, None]}) == b'{"a":[1,null]}'
