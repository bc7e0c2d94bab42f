from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

# What a list of regions should select_related so that `Region.full_name` costs no query:
# `Region.objects.select_related(ANCESTORS)`. The selectors in `sigap.geo.selectors` do it.
ANCESTORS = "parent__parent__parent"


def search_key(text: str) -> str:
    """The form of a name (or a search term) that `Region.name_search` stores and is matched on.

    Lower case, single spaces, and the typographic apostrophe of names like "Regapu’u" folded to
    "'", so what a person types on any keyboard finds it.
    """
    return " ".join(text.replace("’", "'").lower().split())


class Region(models.Model):
    """One administrative region, identified by its Kemendagri code.

    Codes are dotted and nest: province `64`, regency (kabupaten/kota) `64.71`, district
    (kecamatan) `64.71.01`, village (kelurahan/desa) `64.71.01.1001`; a region's parent code is its
    own code without the last part. Rows come from the vendored idn-area-data set through the
    `load_regions` command and are never deleted (records may point at a region that was merged).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        REGENCY = "regency", _("Regency/city")
        DISTRICT = "district", _("District")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    # search_key(name): a plain lower-case copy, so a case-insensitive search is a plain LIKE on an
    # indexed column on every database (on PostgreSQL Django adds a pattern-ops index for prefixes).
    name_search = models.CharField(max_length=100, db_index=True, editable=False)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,  # the (parent, name) index below serves lookups by parent
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [
            # Children of one region in name order: the pickers' list and the parent filter.
            models.Index(fields=["parent", "name"], name="geo_region_parent_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="province", parent__isnull=True)
                    | (~models.Q(level="province") & models.Q(parent__isnull=False))
                ),
                name="geo_region_parent_matches_level",
                violation_error_message=_("Only a province has no parent region."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_search = search_key(self.name)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        """The name with its ancestors' up to the regency, for pickers and labels.

        "Gunung Samarinda, Balikpapan Utara, Kota Balikpapan". The province is left out: regency
        names are unique nationally, so the regency already tells two same-named villages apart.
        A province gives its own name. Walking up reads `parent`: in a list, fetch the regions with
        `select_related(ANCESTORS)` (the geo selectors do) or this costs a query per level.
        """
        parts = [self.name]
        region = self
        while region.level not in (self.Level.REGENCY, self.Level.PROVINCE):
            parent = region.parent
            if parent is None:
                break
            parts.append(parent.name)
            region = parent
        return ", ".join(parts)
