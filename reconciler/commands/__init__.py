"""One module per ``callfwd`` subcommand; each defines ``command``.

Commands are thin: parse options, call a library function, map its result to
an exit code. Heavy imports happen inside the command body.
"""
