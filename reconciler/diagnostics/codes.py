"""Every diagnostic code callfwd emits, with a title and an explanation.

Codes are stable: once released, a code keeps its meaning forever (CI
configurations and people's muscle memory depend on them). New problems get
new codes. ``docs/rules.md`` documents each one and a test checks that it does.

    CF0xx  the file and its YAML
    CF1xx  the manifest's structure (keys, types, version, account)
    CF2xx  sender numbers
    CF3xx  forward_to numbers
    CF4xx  owners, roles and the --actor check
    CF5xx  plan: declared senders against the live account, notices for reviewers;
           CF53x: what an output format had to leave out
    CF6xx  callfwd.yaml (its YAML problems share the CF0xx codes)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    title: str
    explanation: str
    severity: Literal["error", "warning", "note"] = "error"  # what the rules emit it as


_CODES = (
    # -- CF0xx: the file and its YAML ---------------------------------------
    Code("CF001", "cannot read path", "A path given to validate does not exist or cannot be read."),
    Code("CF002", "no manifests found", "A directory holds no *.yaml or *.yml file."),
    Code(
        "CF003",
        "file too large",
        "A manifest is over the 4 MiB limit; split it into several files.",
    ),
    Code(
        "CF004",
        "binary file",
        "The file contains NUL bytes: it is binary or UTF-16, not UTF-8 YAML.",
    ),
    Code("CF005", "not UTF-8", "The file is not valid UTF-8; save it as UTF-8."),
    Code(
        "CF006",
        "byte-order mark",
        "The file starts with a UTF-8 byte-order mark (a warning).",
        "warning",
    ),
    Code(
        "CF007", "control character", "The file contains a control character YAML does not allow."
    ),
    Code("CF008", "YAML syntax error", "The file is not well-formed YAML."),
    Code(
        "CF009",
        "several documents",
        "A manifest holds exactly one YAML document; '---' starts another.",
    ),
    Code("CF010", "empty manifest", "The file or its document is empty."),
    Code(
        "CF011", "not a mapping", "The top level of a manifest must be a mapping of keys to values."
    ),
    Code("CF012", "duplicate key", "The same key appears twice in one mapping."),
    Code(
        "CF013", "anchor or alias", "YAML anchors (&) and aliases (*) are not allowed in manifests."
    ),
    Code("CF014", "merge key", "YAML merge keys (<<) are not allowed in manifests."),
    Code(
        "CF015",
        "YAML tag",
        "Explicit YAML tags (!!python/..., !custom) are not allowed; only !!str.",
    ),
    Code(
        "CF016",
        "too deeply nested",
        "The file nests mappings and lists deeper than a manifest ever needs.",
    ),
    Code("CF017", "complex key", "A mapping key must be plain text, not a list or a mapping."),
    Code(
        "CF018",
        "too many problems",
        "A file has more than 100 problems; the first 100 are shown, then a count of the rest.",
    ),
    Code(
        "CF019",
        "path outside the repository",
        "A path that callfwd.yaml or a directory walk chose lies outside the repository; "
        "it is not read.",
    ),
    Code(
        "CF020",
        "symbolic link out of the repository",
        "A path inside the repository leads outside it through a symbolic link; it is not read.",
    ),
    # -- CF1xx: structure ----------------------------------------------------
    Code("CF101", "unknown key", "A key that the manifest format does not define."),
    Code("CF102", "missing key", "A required key is missing."),
    Code(
        "CF103", "wrong type", "A value has the wrong type (for example a list where text belongs)."
    ),
    Code(
        "CF104",
        "unquoted number",
        "YAML reads an unquoted phone number or digits as a number; quote it.",
    ),
    Code("CF105", "YAML boolean", "YAML 1.1 reads yes/no/on/off/true/false unquoted as booleans."),
    Code(
        "CF106",
        "YAML date or other typed value",
        "YAML reads an unquoted date as a date; quote it.",
    ),
    Code("CF107", "unsupported version", "The manifest format version must be 1."),
    Code(
        "CF108",
        "invalid account",
        "The account must be a slug: lowercase letters, digits and dashes.",
    ),
    Code("CF109", "invalid value", "A value breaks a length or format constraint of the manifest."),
    # -- CF2xx: senders ------------------------------------------------------
    Code("CF201", "sender is a short code", "Call forwarding is not available for short codes."),
    Code(
        "CF202",
        "sender outside the US",
        "Call forwarding is not available for numbers outside the US.",
    ),
    Code(
        "CF203",
        "sender not toll-free",
        "Only toll-free senders (800, 833, 844, 855, 866, 877, 888) forward calls.",
    ),
    Code("CF204", "sender not a phone number", "The sender cannot be read as a phone number."),
    Code(
        "CF205",
        "hidden character in sender",
        "The sender contains a character other than ASCII digits and punctuation.",
    ),
    Code(
        "CF206",
        "letters in sender",
        "The sender contains letters (vanity numbers must be written in digits).",
    ),
    Code("CF207", "extension in sender", "A sender cannot have an extension."),
    Code(
        "CF208",
        "duplicate sender",
        "The same sender is declared twice, in one file or across files.",
    ),
    # -- CF3xx: forward_to ---------------------------------------------------
    Code("CF301", "forward_to outside the US", "The forwarding number must be a US number."),
    Code(
        "CF302",
        "premium-rate forward_to",
        "Calls cannot be forwarded to a premium-rate (900) number.",
    ),
    Code(
        "CF303",
        "extension in forward_to",
        "Calls cannot be forwarded to a number with an extension.",
    ),
    Code("CF304", "forwarding loop", "A sender cannot forward to itself."),
    Code("CF305", "forwarding chain", "A sender cannot forward to another declared sender."),
    Code(
        "CF306",
        "forward_to not a phone number",
        "The forwarding number cannot be read as a US phone number.",
    ),
    Code(
        "CF307",
        "hidden character in forward_to",
        "The forwarding number contains a character other than ASCII digits and punctuation.",
    ),
    Code("CF308", "letters in forward_to", "The forwarding number contains letters."),
    Code("CF309", "forward_to is a short code", "Calls cannot be forwarded to a short code."),
    Code(
        "CF310",
        "forward_to in a US territory",
        "By default the forwarding number must be in the 50 states or DC (callfwd's reading).",
    ),
    # -- CF4xx: owners, roles, actor -----------------------------------------
    Code("CF401", "unknown role", "The role is not one of the vendor's roles."),
    Code(
        "CF402",
        "role may not forward calls",
        "analyst, content_creator and support may not configure call forwarding.",
    ),
    Code(
        "CF403",
        "no allowed owner",
        "Every manifest needs an owner with a role that may configure call forwarding.",
    ),
    Code("CF404", "invalid email", "An owner's email is not a plain ASCII email address."),
    Code(
        "CF405",
        "actor is not an owner",
        "The --actor is not an owner with an allowed role of this manifest.",
    ),
    Code(
        "CF406",
        "duplicate owner",
        "The same email is listed twice among a manifest's owners (a warning).",
        "warning",
    ),
    Code(
        "CF407",
        "role differs from the actor map",
        "A manifest gives a person another role in an account than the actor map on the base "
        "branch does.",
    ),
    Code(
        "CF408",
        "no owners on the base branch",
        "With --base, neither this manifest nor another manifest of its account exists on the "
        "base branch, so no trusted owner can approve it.",
    ),
    Code(
        "CF409",
        "base version unreadable",
        "With --base, the manifest or the actor map on the base branch cannot be read, so the "
        "change cannot be checked against it.",
    ),
    # -- CF5xx: plan (declared senders against the live account) -------------
    Code(
        "CF501",
        "sender not in account",
        "The account has no sender with this number (a plan error).",
    ),
    Code(
        "CF502",
        "sender only Canadian",
        "The account has this toll-free number only as a Canadian sender (a plan error).",
    ),
    Code(
        "CF503",
        "sender cannot forward",
        "The account's sender with this number is not toll-free (a plan error).",
    ),
    Code(
        "CF510",
        "sender pending registration",
        "A sender has no number yet, so no manifest can name it (a plan note).",
        severity="note",
    ),
    Code(
        "CF511",
        "no forwarding while being verified",
        "A toll-free sender being verified has no forwarding (a plan note).",
        severity="note",
    ),
    Code(
        "CF512",
        "forwarding on a sender that does not send",
        "Forwarding is declared for a suspended or rejected sender (a plan warning).",
        severity="warning",
    ),
    Code(
        "CF520",
        "above the safety threshold",
        "Apply will refuse this account's changes without --allow-mass-changes (a plan warning).",
        severity="warning",
    ),
    Code(
        "CF521",
        "key may not write",
        "The account's key could not apply the plan: role or scope (a plan warning).",
        severity="warning",
    ),
    Code(
        "CF522",
        "no forwarding write in the API",
        "The settings API offers no way to change forwarding numbers (a plan warning).",
        severity="warning",
    ),
    Code(
        "CF523",
        "prune off for this run",
        "Paths outside callfwd.yaml's manifests were given, so nothing is pruned (a plan note).",
        severity="note",
    ),
    Code(
        "CF524",
        "configuration differs from the trusted one",
        "callfwd.yaml in the working tree changes settings of this account; the plan uses the "
        "trusted configuration's (a plan warning).",
        severity="warning",
    ),
    Code(
        "CF525",
        "account added by this change",
        "The account is only in the working tree's callfwd.yaml: it is validated, not planned "
        "(a plan warning).",
        severity="warning",
    ),
    Code(
        "CF530",
        "problems left out of SARIF",
        "More problems than GitHub code scanning keeps in a run; the SARIF file says how "
        "many were left out (a warning, an error when errors were).",
        severity="warning",
    ),
    # -- CF6xx: callfwd.yaml -------------------------------------------------
    Code("CF601", "unknown config key", "A key that callfwd.yaml does not define."),
    Code(
        "CF602",
        "wrong config type",
        "A callfwd.yaml value has the wrong type (text, number, list or mapping).",
    ),
    Code("CF603", "not a boolean", "A callfwd.yaml switch must be true or false, unquoted."),
    Code(
        "CF604",
        "invalid config value",
        "A callfwd.yaml value is out of range or badly formed (account_id, api_key_env).",
    ),
    Code("CF605", "API key in callfwd.yaml", "Keys are read only from environment variables."),
    Code(
        "CF606",
        "invalid api_url",
        "An api_url must be https (http only to loopback), without credentials, query or /api.",
    ),
    Code("CF607", "duplicate account_id", "Two accounts in callfwd.yaml name the same account_id."),
    Code(
        "CF608",
        "control character in callfwd.yaml",
        "A URL, name, path or other text in callfwd.yaml holds a control character (CR, LF, "
        "NUL, another C0 or C1 character, DEL).",
    ),
)

CODES: dict[str, Code] = {c.code: c for c in _CODES}

# Names used in code, so a typo is an AttributeError rather than a wrong code.
CANNOT_READ, NO_MANIFESTS, TOO_LARGE, BINARY, NOT_UTF8, BOM, CONTROL_CHAR = (
    "CF001",
    "CF002",
    "CF003",
    "CF004",
    "CF005",
    "CF006",
    "CF007",
)
SYNTAX, MULTI_DOC, EMPTY, NOT_MAPPING, DUPLICATE_KEY, ALIAS, MERGE_KEY, TAG = (
    "CF008",
    "CF009",
    "CF010",
    "CF011",
    "CF012",
    "CF013",
    "CF014",
    "CF015",
)
TOO_DEEP, COMPLEX_KEY, TOO_MANY = "CF016", "CF017", "CF018"
OUTSIDE_REPO, SYMLINK_OUT = "CF019", "CF020"
UNKNOWN_KEY, MISSING_KEY, WRONG_TYPE, UNQUOTED_NUMBER, YAML_BOOL, YAML_OTHER = (
    "CF101",
    "CF102",
    "CF103",
    "CF104",
    "CF105",
    "CF106",
)
BAD_VERSION, BAD_ACCOUNT, BAD_VALUE = "CF107", "CF108", "CF109"
DUPLICATE_SENDER = "CF208"
LOOP, CHAIN = "CF304", "CF305"
SENDER_NOT_IN_ACCOUNT, SENDER_ONLY_CANADIAN, SENDER_CANNOT_FORWARD = "CF501", "CF502", "CF503"
PENDING_SENDER, UNVERIFIED_WITHOUT_FORWARDING, FORWARDING_NOT_SENDING = "CF510", "CF511", "CF512"
ABOVE_THRESHOLD, KEY_MAY_NOT_WRITE, NO_WRITE_API, PRUNE_OFF = "CF520", "CF521", "CF522", "CF523"
CONFIG_DIFFERS, ACCOUNT_ADDED = "CF524", "CF525"
SARIF_LEFT_OUT = "CF530"
UNKNOWN_ROLE, DISALLOWED_ROLE, NO_ALLOWED_OWNER, BAD_EMAIL, ACTOR, DUPLICATE_OWNER = (
    "CF401",
    "CF402",
    "CF403",
    "CF404",
    "CF405",
    "CF406",
)
ROLE_NOT_IN_ACTOR_MAP, NO_BASE_OWNERS, BASE_UNREADABLE = "CF407", "CF408", "CF409"
CONFIG_UNKNOWN_KEY, CONFIG_WRONG_TYPE, CONFIG_NOT_BOOL, CONFIG_BAD_VALUE = (
    "CF601",
    "CF602",
    "CF603",
    "CF604",
)
CONFIG_API_KEY, CONFIG_BAD_URL, CONFIG_DUPLICATE_ID = "CF605", "CF606", "CF607"
CONFIG_CONTROL_CHAR = "CF608"
