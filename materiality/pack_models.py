"""The report pack as built at confirmation (issue 11.7): stored once, served byte for byte ever after."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

IMMUTABLE = "a stored report pack never changes"


class PackImmutable(Exception):
    """A stored report pack was to be changed or deleted; it is the record of what was confirmed."""


class ConfirmedPack(models.Model):
    """The ZIP of a confirmed assessment, its SHA-256, the checks it was confirmed under and the audit chain's head.

    Rows are written once (save() refuses updates, delete() refuses; a database trigger refuses raw SQL too).
    """

    assessment = models.OneToOneField("materiality.Assessment", on_delete=models.PROTECT,
                                      related_name="confirmed_pack", verbose_name=_("assessment"))
    run = models.ForeignKey("materiality.ScoreRun", on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("score run"))
    content = models.BinaryField(_("report pack (ZIP)"))
    sha256 = models.CharField(_("SHA-256 of the report pack"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    checks = models.JSONField(_("confirmation checks"), default=list, blank=True)
    audit_head = models.CharField(_("audit chain head at confirmation"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("stored at"))

    class Meta:
        verbose_name = _("stored report pack")
        verbose_name_plural = _("stored report packs")

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PackImmutable(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PackImmutable(IMMUTABLE)


# The database refuses any UPDATE or DELETE of a stored pack, whatever code path tries (installed by migration 0012).
TABLE = "materiality_confirmedpack"
TRIGGER_SQL = {
    "postgresql": [f"""
CREATE OR REPLACE FUNCTION dma_refuse_pack_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{IMMUTABLE} (id %)', OLD.id USING ERRCODE = 'restrict_violation';
END $$""",
                   f"DROP TRIGGER IF EXISTS dma_pack_immutable ON {TABLE}",
                   f"CREATE TRIGGER dma_pack_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION dma_refuse_pack_change()"],
    "sqlite": [*(f"DROP TRIGGER IF EXISTS dma_pack_immutable_{e}" for e in ("update", "delete")),
               *(f"CREATE TRIGGER dma_pack_immutable_{e} BEFORE {e.upper()} ON {TABLE} "
                 f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END" for e in ("update", "delete"))],
}
DROP_SQL = {
    "postgresql": [f"DROP TRIGGER IF EXISTS dma_pack_immutable ON {TABLE}",
                   "DROP FUNCTION IF EXISTS dma_refuse_pack_change()"],
    "sqlite": [f"DROP TRIGGER IF EXISTS dma_pack_immutable_{e}" for e in ("update", "delete")],
}


def install_triggers(apps: Any, schema_editor: Any) -> None:
    run_sql(schema_editor.connection, TRIGGER_SQL)


def uninstall_triggers(apps: Any, schema_editor: Any) -> None:
    run_sql(schema_editor.connection, DROP_SQL)


def run_sql(connection: Any, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)
