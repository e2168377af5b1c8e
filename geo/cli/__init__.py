"""The ``geo`` command: map or list the places that news articles mention.

A thin shell over the modules (reading and writing: ``geo.io``; geoparsing: ``geo.resolve``; maps:
``geo.maps``): it parses arguments and reports errors. Every error is one line,
``geo: error: ...`` on standard error, with exit status 2 for bad input or usage (1 for an
internal error, whose traceback ``-v`` shows); warnings are ``geo: warning: ...`` lines.

    geo map story.txt                        # writes map.html, prints its path
    geo map a.txt b.html - -o caucasus.html   # several files (and standard input), one map
    geo places story.txt --format csv         # one row per mention

>>> from click.testing import CliRunner
>>> r = CliRunner().invoke(main, ["places", "-"], input="Talks in Baku.")
>>> r.exit_code, r.output.splitlines()[1].split()[:4]
(0, ['9', '13', 'Baku', 'name'])
>>> r = CliRunner().invoke(main, ["places", "missing.txt"])
>>> r.exit_code, r.stderr
(2, 'geo: error: missing.txt: no such file\\n')
"""

from geo.cli.corpus import corpus_command
from geo.cli.main import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, main
from geo.cli.map import map_command
from geo.cli.places import places_command

main.add_command(map_command, "map")
main.add_command(places_command, "places")
main.add_command(corpus_command, "corpus")

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "main"]
