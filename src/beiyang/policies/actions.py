"""Benefits actions: importing and publishing pack versions, and 政策找人 (matching)."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from beiyang.accounts.roles import require_town_admin
from beiyang.companies.models import Company
from beiyang.companies.queries import member_ids
from beiyang.core.audit import log_action
from beiyang.core.errors import Conflict, InvalidInput, NotFound
from beiyang.core.money import yuan_figure_en, yuan_text
from beiyang.notifications.actions import do_send_message
from beiyang.policies import published, queries
from beiyang.policies.engine import Pack, evaluate
from beiyang.policies.engine.testing import run_pack_tests
from beiyang.policies.models import BenefitMatch, PackVersion
from beiyang.policies.tasks import match_all_companies_task


@transaction.atomic(durable=True)
def do_import_pack(
    files: dict[str, str], *, actor=None, note: str = "", publish: bool = False, pack: Pack | None = None
) -> PackVersion:
    """Store a pack as a new version (validated first; ``pack``, when given, is these files
    already parsed). Importing the same content twice returns the existing version. A pack the
    platform cannot run (a platform parameter missing, a rule that cannot be computed for a
    boundary profile) is refused whole."""
    pack = pack or queries.pack_from_files(files)
    queries.check_pack_runs(pack)
    version = PackVersion.objects.filter(pack_id=pack.id, version=pack.version).first()
    if version is None:
        try:
            with transaction.atomic():
                version = PackVersion.objects.create(
                    pack_id=pack.id,
                    version=pack.version,
                    checksum=pack.checksum,
                    files=files,
                    note=note[:300],
                    created_by=actor,
                )
        except IntegrityError:
            # Another import of this version committed between the look and the insert (two
            # tabs, a double click): theirs stands, and is ours too when the content is the same.
            version = PackVersion.objects.get(pack_id=pack.id, version=pack.version)
        else:
            log_action(
                "policies.pack_version.imported",
                actor=actor,
                obj=version,
                version=pack.version,
                policies=len(pack.policies),
            )
    if version.checksum != pack.checksum:
        raise Conflict(
            f"版本号 {pack.version} 已存在且内容不同,请在 pack.yaml 中提高版本号",
            f"Version {pack.version} exists with other content; raise the version in pack.yaml",
            field="version",
            code="version_exists",
        )
    if publish and version.status != PackVersion.PUBLISHED:
        _publish(version, actor)
    return version


def _publish(version: PackVersion, actor) -> None:
    now = timezone.now()
    previous = list(
        PackVersion.objects.select_for_update().filter(pack_id=version.pack_id, status=PackVersion.PUBLISHED)
    )
    for old in previous:
        old.status = PackVersion.RETIRED
        old.save(update_fields=["status"])
    version.status = PackVersion.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    log_action(
        "policies.pack_version.published",
        actor=actor,
        obj=version,
        version=version.version,
        replaced=[v.version for v in previous],
    )

    queries.forget_current_pack()
    transaction.on_commit(queries.forget_current_pack)
    transaction.on_commit(lambda: export_published(version))
    transaction.on_commit(lambda: match_all_companies_task())


@transaction.atomic(durable=True)
def export_published(version: PackVersion) -> None:
    """Write the published version where ``beiyang benefits`` reads it (no database there)."""
    published.write_export(
        settings.VAR_DIR,
        pack_id=version.pack_id,
        version=version.version,
        checksum=version.checksum,
        published_at=version.published_at.isoformat(),
        files=version.files,
    )


# What a pack archive may hold: a pack is a few dozen small YAML files.
ARCHIVE_MAX_BYTES = 2 * 1024 * 1024
ARCHIVE_MAX_FILES = 200
ARCHIVE_MAX_FILE_BYTES = 512 * 1024
ARCHIVE_MAX_TOTAL_BYTES = 4 * 1024 * 1024


def _archive_error(zh: str, en: str) -> InvalidInput:
    return InvalidInput(
        f"政策包压缩文件无效:{zh}", f"Invalid pack archive: {en}", field="archive", code="invalid_archive"
    )


def read_pack_archive(data: bytes) -> dict[str, str]:
    """The YAML files of a zipped pack directory, by their path in the pack (one folder around
    them, as "compress this folder" makes, is taken off). Refused whole: anything but a zip, a
    path out of the pack, too many or too large files (sizes checked as read, not as declared),
    text that is not UTF-8."""
    if len(data) > ARCHIVE_MAX_BYTES:
        raise _archive_error("超过2MB", "larger than 2 MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [e for e in archive.infolist() if not e.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _archive_error("不是zip文件", "not a zip file") from None
    if len(entries) > ARCHIVE_MAX_FILES:
        raise _archive_error(f"文件超过{ARCHIVE_MAX_FILES}个", f"more than {ARCHIVE_MAX_FILES} files")
    names = [PurePosixPath(e.filename.replace("\\", "/")) for e in entries]
    for name in names:
        if name.is_absolute() or ".." in name.parts or not name.parts:
            raise _archive_error(f"路径不允许:{name}", f"path not allowed: {name}")
    tops = {n.parts[0] for n in names}
    strip = len(tops) == 1 and all(len(n.parts) > 1 for n in names)
    files: dict[str, str] = {}
    total = 0
    for entry, name in zip(entries, names, strict=True):
        path = PurePosixPath(*name.parts[1:]) if strip else name
        if path.suffix not in (".yaml", ".yml") or any(p.startswith(".") for p in path.parts):
            continue  # a README, an editor's backup, __MACOSX: not part of the pack
        with archive.open(entry) as fh:
            raw = fh.read(ARCHIVE_MAX_FILE_BYTES + 1)
        total += len(raw)
        if len(raw) > ARCHIVE_MAX_FILE_BYTES or total > ARCHIVE_MAX_TOTAL_BYTES:
            raise _archive_error(f"{path} 过大", f"{path} is too large")
        try:
            files[path.as_posix()] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _archive_error(f"{path} 不是UTF-8文本", f"{path} is not UTF-8 text") from None
    if "pack.yaml" not in files:
        raise _archive_error("缺少 pack.yaml", "pack.yaml is missing")
    return files


def check_import_pack_archive(staff, data: bytes, *, note: str = "") -> PackVersion:
    """A town administrator uploads a new pack version as a zip; it is validated in full (the
    engine's checks and the pack's own test cases) before one transaction stores it as a draft
    to compare and publish."""
    require_town_admin(staff)
    files = read_pack_archive(data)
    pack = queries.pack_from_files(files)
    failures = run_pack_tests(pack)
    if failures:
        where, problems = next(iter(failures.items()))
        raise InvalidInput(
            f"政策包自带的测试未通过({len(failures)}项),首项:{where}:{problems[0]}",
            f"The pack's own test cases fail ({len(failures)}), first: {where}: {problems[0]}",
            field="archive",
            code="pack_tests_fail",
        )
    return do_import_pack(files, actor=staff, note=str(note or "")[:300], pack=pack)


@transaction.atomic(durable=True)
def check_publish_pack_version(staff, version_id: int) -> PackVersion:
    """A town administrator puts a version in force (the one it replaces is retired, every
    company is matched again after commit). Audited as ``policies.pack_version.published``."""
    require_town_admin(staff)
    return do_publish_pack_version(version_id, actor=staff)


def do_publish_pack_version(version_id: int, *, actor) -> PackVersion:
    """Publish a version; the caller holds a transaction (the version row is locked)."""
    version = PackVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise NotFound("政策包版本不存在", "No such pack version", field="version_id")
    if version.status == PackVersion.PUBLISHED:
        raise Conflict("该版本已发布", "This version is already published", code="already_published")
    # Refuse to publish a pack that no longer loads, or one a rule of which cannot be computed.
    queries.check_pack_runs(queries.pack_for_version(version))
    _publish(version, actor)
    return version


def do_match_company(company_id: int) -> int:
    """Re-evaluate one company; tell its members about benefits it newly qualifies for.
    Returns how many benefits were newly matched."""
    with transaction.atomic(durable=True):
        company = Company.objects.select_for_update().filter(pk=company_id).first()
        if company is None:
            return 0
        pack = queries.current_pack()
        as_of = timezone.localdate()
        evaluation = evaluate(pack, queries.company_profile(company, as_of), as_of, suggest=False)
        previous = {m.policy_id: m for m in BenefitMatch.objects.filter(company=company)}
        newly: list = []
        for result in evaluation.results:
            match = previous.get(result.policy.id)
            was_eligible = match is not None and match.status == "eligible"
            if match is None:
                match = BenefitMatch(company=company, policy_id=result.policy.id)
            changed = (match.status, match.amount_fen) != (result.status, result.amount_fen)
            match.status, match.amount_fen, match.pack_version = (
                result.status,
                result.amount_fen,
                pack.version,
            )
            if result.status == "eligible" and not was_eligible:
                newly.append(result)
                match.notified_at = timezone.now()
            if changed or match.pk is None:
                match.save()
        if newly:
            _tell_members(company, newly, pack.version)
            log_action(
                "policies.company.matched",
                obj=company,
                actor_label="政策找人",
                policies=[r.policy.id for r in newly],
                pack_version=pack.version,
            )
    return len(newly)


def _tell_members(company: Company, results: list, pack_version: str) -> None:
    names = "、".join(r.policy.title.zh for r in results)
    lines = [f"· {r.policy.title.zh}" + (f",最高{yuan_text(r.amount)}" if r.amount else "") for r in results]
    lines_en = [
        f"· {r.policy.title.en}" + (f", up to ¥{yuan_figure_en(r.amount)}" if r.amount else "")
        for r in results
    ]
    body = "根据您企业的最新信息,以下政策您已符合条件,可在“我能享受的政策”中查看依据并申请:\n" + "\n".join(
        lines
    )
    body_en = (
        "From your company's latest details you now qualify for these benefits; see why and apply under My benefits:\n"
        + "\n".join(lines_en)
    )
    key = "benefits:" + ",".join(sorted(r.policy.id for r in results)) + f":{pack_version}"
    for user_id in member_ids(company):
        do_send_message(
            user_id,
            kind="benefit",
            title=f"政策找人:您有{len(results)}项新匹配的政策({names})",
            body=body,
            title_en=f"New benefits for you ({len(results)}): {'; '.join(r.policy.title.en for r in results)}",
            body_en=body_en,
            link="/benefits/",
            data={"policies": [r.policy.id for r in results]},
            dedupe_key=key[:120],
        )


def do_match_all_companies() -> int:
    total = 0
    for company_id in Company.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=1000):
        total += do_match_company(company_id)
    return total
