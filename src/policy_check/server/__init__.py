"""``policy-check server``: a language server (LSP over standard input/output, on
pygls) that shows the findings while code is written and applies the fixes from the
editor.  Checks run in a worker process through ``policy_check.in_memory``, the same
path the command line takes; this package only speaks the protocol."""
