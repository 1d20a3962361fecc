"""The core's modules import one another one way only: no module reaches itself again through
its imports, counting imports made inside functions (a lazy import hides a circle, it does not
remove it). The graph is grimp's, the library behind import-linter."""
from __future__ import annotations

import grimp


def test_cpe_core_has_no_import_circle():
    graph = grimp.build_graph("cpe_core")
    circles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                circles.append(" -> ".join((importer, *back)))
    assert circles == [], "import circles:\n" + "\n".join(circles)


def test_the_command_line_lives_in_one_package():
    # click is outside the package: grimp lists it only with include_external_packages.
    graph = grimp.build_graph("cpe_core", include_external_packages=True)
    command_modules = {m for m in graph.modules
                       if m.startswith("cpe_core") and graph.direct_import_exists(importer=m, imported="click")}
    assert command_modules and all(m.startswith("cpe_core.cli.") for m in command_modules), sorted(command_modules)
