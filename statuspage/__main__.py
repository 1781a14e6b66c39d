"""`python -m statuspage`: the same as the `statuspage` command."""

from statuspage.cli import main

main()
