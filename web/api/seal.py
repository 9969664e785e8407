"""The seal (auditors only): how far the hash chain reaches, the last verification, and the signed checkpoints."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from web.api.common import Blueprint
from web.seal_view import download_headers, seal_export, seal_status

blp = Blueprint("seal", __name__, url_prefix="/seal", description="封印 / Seal")


class CheckpointOut(ma.Schema):
    position = ma.fields.Integer()
    head = ma.fields.String(metadata={"description": "链头（SHA-256，十六进制）/ chain head (SHA-256, hex)"})
    signed_at = ma.fields.String(metadata={"description": "签名时间（ISO 8601，UTC）/ when it was signed"})
    signature = ma.fields.String(metadata={"description": "Ed25519 签名（base64）/ Ed25519 signature (base64)"})


class VerificationOut(ma.Schema):
    verified_at = ma.fields.String()
    intact = ma.fields.Boolean()
    log_position = ma.fields.Integer()
    verified_position = ma.fields.Integer(metadata={"description": "核验完好到的位置 / verified intact up to here"})
    broken_at = ma.fields.Integer(allow_none=True, metadata={"description": "第一个破坏处 / first broken position"})
    reason = ma.fields.String()
    checkpoints = ma.fields.Integer()


class SealOut(ma.Schema):
    status = ma.fields.String(metadata={"description": "intact, broken, or unverified (peiban verify not run yet)"})
    log_position = ma.fields.Integer()
    sealed_position = ma.fields.Integer(metadata={"description": "哈希链到达的位置 / last fact in the hash chain"})
    head = ma.fields.String()
    checkpoints = ma.fields.Integer()
    latest_checkpoint = ma.fields.Nested(CheckpointOut, allow_none=True)
    last_verification = ma.fields.Nested(VerificationOut, allow_none=True)
    signing_key = ma.fields.Boolean(metadata={"description": "服务器有封印签名密钥 / the server has its seal key"})


class CheckpointFileOut(ma.Schema):
    format = ma.fields.String()
    chain = ma.fields.String()
    public_key = ma.fields.String(allow_none=True, metadata={"description": "PEM; null before `peiban init`"})
    checkpoints = ma.fields.List(ma.fields.Nested(CheckpointOut))


@blp.route("")
class SealStatus(MethodView):
    @blp.response(200, SealOut)
    def get(self) -> dict[str, Any]:
        """The seal's status and the last verified position / 封印状态与最近核验到的位置"""
        return seal_status()


@blp.route("/checkpoints")
class SealCheckpoints(MethodView):
    @blp.response(200, CheckpointFileOut)
    def get(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Every signed checkpoint and the public key, to keep off the server / 下载签名检查点与公钥"""
        return seal_export(), 200, download_headers()
