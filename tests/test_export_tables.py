"""The export's light tables (built without the models, so ``cpe export --format csv`` needs no
ORM) name the models' own tables and columns with the same types."""
from __future__ import annotations

import pytest

from cpe_core import models
from cpe_core.services.export_tables import MIRRORS


@pytest.mark.parametrize("model_name", sorted(MIRRORS))
def test_each_light_table_mirrors_its_models_table(model_name):
    light, table = MIRRORS[model_name], getattr(models, model_name).__table__

    assert light.name == table.name
    for column in light.c:
        assert column.name in table.c, f"{table.name}.{column.name} is not a column of the model"
        theirs = table.c[column.name].type
        assert type(column.type) is type(theirs), (table.name, column.name, column.type, theirs)
        assert getattr(column.type, "length", None) == getattr(theirs, "length", None)
