"""Options that several commands share and that the configuration side defines.

``trusted_config_option`` goes on every command that sends a key (plan, apply,
accounts, the report): the command then calls
``reconciler.config.load_trusted(config_path, trusted_config_path)`` and builds
its targets from the ``TrustedConfig`` it returns.
"""

from __future__ import annotations

import click

trusted_config_option = click.option(
    "--trusted-config",
    "trusted_config_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="A callfwd.yaml to trust for where keys go: every account's api_url, api_key_env, "
    "account_id, prune, thresholds, retry, api and max_pages come from FILE (in CI: "
    "callfwd.yaml as it is on the base branch); the working tree's callfwd.yaml still "
    "says where the manifests are. Accounts only the working tree lists are validated, "
    "not planned.",
)

base_option = click.option(
    "--base",
    "base_ref",
    metavar="REF",
    default=None,
    help="Judge --actor by the owners each manifest has on REF (a commit, branch or tag: "
    "in CI the pull request's base), and each owner's role by .github/callfwd-actors.yaml "
    "on REF; a change cannot vouch for itself.",
)
