"""Échanges' public interface for other bricks: the data-sharing agreements a consumer reads or
writes under. A brick that serves a consumer (e.g. socle.competences' connected Pix provider)
finds the agreement, checks it (valid today, active, its scope) and logs every access, granted
or refused, through these names — never through the models. See docs/echanges-agreements.md."""

from .agreements import AgreementRefused, Grant, check, find, log_access

__all__ = ["AgreementRefused", "Grant", "check", "find", "log_access"]
