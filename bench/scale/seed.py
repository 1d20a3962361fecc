"""Seed a PostgreSQL database with a province's worth of Chaoyang learners for the staff-page
benchmark (``bench/scale/run.sh``).

Usage: ``python bench/scale/seed.py DATABASE_URL [LEARNERS]`` (default 1,000,000). WIPES the
database (``DROP SCHEMA public CASCADE``), migrates it to the latest revision, then fills it with
``INSERT … SELECT … FROM generate_series`` — one statement per table, all computed by the server,
so a million learners take minutes — and ANALYZEs it.

What is seeded, for ``LEARNERS`` = N (Chaoyang, programme year 2024):

- N learners, each with a profile (ID number = login, a 12-digit member number, approved collection; one in 1,000 waiting
  for review), an 11-digit phone and one ``import`` credit record for 2024 (a third complete
  with 90 professional credits, the others 30);
- a paid order for one learner in 10, an invoice for one in 50 (one in 500 still requested),
  a refund for one in 200 (one in 2,000 still requested), a submitted or approved offset
  application for one in 50 (one in 500 waiting), N / 10 study cards in batches of 500, and 200
  finished export jobs;
- the region's admin ``chaoyang-admin`` (password ``Passw0rd!``) and reviewer.

The names, ID numbers and phone numbers follow from the learner's number ``i`` (see
:func:`learner`), so ``measure.py`` knows what to search for without asking the database.
"""
from __future__ import annotations

import os
import sys
import time

REGION = "chaoyang"
YEAR = 2024
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉萍春梅飞鹏辉斌宇浩凯健俊帆帅旭宁龙林欣"
         "晨阳波瑞雪琳婷慧晶颖鑫琪佳思雨悦博文轩睿哲昊然子涵梓萱诗怡梦洁瑶琦雯倩玲燕蓉丹露晓亮冰彤蕾薇嘉海峰"
         "成荣新蔚昕晟淼焱垚鑫森磊骏驰骁腾跃远航蕊琼瑾璐珊瑜璇婕妍姝婧娴嫣媛婉姗娅妮")


def learner(i: int) -> dict[str, str]:
    """Learner number ``i``'s name, ID number (its login) and phone, as the SQL below makes them."""
    surname = SURNAMES[(i * 7) % len(SURNAMES)]
    first = GIVEN[(i * 13) % len(GIVEN)]
    second = GIVEN[(i // len(GIVEN) * 17 + i) % len(GIVEN)]
    birth = _birth(i % 18000)
    return {"name": surname + first + second, "id_number": f"211302{birth}{i // 18000:04d}",
            "phone": f"1{30 + i % 60}{i:08d}", "member_number": f"21{i:010d}"}


def _birth(days: int) -> str:
    import datetime as dt

    return (dt.date(1960, 1, 1) + dt.timedelta(days=days)).strftime("%Y%m%d")


def _sql_array(chars: str) -> str:
    return "ARRAY[" + ",".join(f"'{c}'" for c in chars) + "]"


def statements(n: int) -> list[tuple[str, str]]:
    """(label, SQL) in order; ``i`` runs 1..n, the learner's id is ``base + i``."""
    s, g = _sql_array(SURNAMES), _sql_array(GIVEN)
    ns, ng = len(SURNAMES), len(GIVEN)
    series = f"generate_series(1, {n}) AS i"
    return [
        ("learners", f"""
            INSERT INTO "user" (id, region, login, name, role, password_hash, phone, is_active_account, created_at)
            SELECT base.id + i, '{REGION}',
                   '211302' || to_char(date '1960-01-01' + (i % 18000), 'YYYYMMDD') || lpad((i / 18000)::text, 4, '0'),
                   ({s})[(i * 7) % {ns} + 1] || ({g})[(i * 13) % {ng} + 1] || ({g})[((i / {ng}) * 17 + i) % {ng} + 1],
                   'learner', 'bench:no-password', '1' || (30 + i % 60)::text || lpad(i::text, 8, '0'), true,
                   now() - make_interval(secs => i)
            FROM {series}, base"""),
        ("profiles", f"""
            INSERT INTO learner_profile (user_id, id_number, member_number, collection_region, collection_area, collection_status,
                                         is_student, details, qualification_level)
            SELECT base.id + i, '211302' || to_char(date '1960-01-01' + (i % 18000), 'YYYYMMDD') || lpad((i / 18000)::text, 4, '0'),
                   '21' || lpad(i::text, 10, '0'), '{REGION}', '朝阳市双塔区', CASE WHEN i % 1000 = 0 THEN 'submitted' ELSE 'approved' END,
                   false, '{{}}', 'junior'
            FROM {series}, base"""),
        ("credit records", f"""
            INSERT INTO credit_record (user_id, region, year, kind, credits, source, source_id, description, created_at)
            SELECT base.id + i, '{REGION}', {YEAR}, 'professional', CASE WHEN i % 3 = 0 THEN 90 ELSE 30 END,
                   'import', i, '压测导入', now()
            FROM {series}, base"""),
        ("orders", f"""
            INSERT INTO "order" (number, user_id, region, year, mode, total_fen, status, locks_courses, created_at, paid_at)
            SELECT 'B{YEAR}' || lpad(i::text, 12, '0'), base.id + i, '{REGION}', {YEAR}, 'annual', 9000, 'paid', false,
                   now(), now()
            FROM {series}, base WHERE i % 10 = 0"""),
        ("invoices", f"""
            INSERT INTO invoice (order_id, title, email, status, number, created_at, issued_at)
            SELECT o.id, '学员' || i, 'l' || i || '@example.org',
                   CASE WHEN i % 500 = 0 THEN 'requested' ELSE 'issued' END,
                   CASE WHEN i % 500 = 0 THEN NULL ELSE 'F' || lpad(i::text, 12, '0') END, now(),
                   CASE WHEN i % 500 = 0 THEN NULL ELSE now() END
            FROM generate_series(50, {n}, 50) AS i JOIN "order" o ON o.number = 'B{YEAR}' || lpad(i::text, 12, '0')"""),
        ("refunds", f"""
            INSERT INTO refund (order_id, amount_fen, reason, status, kind, created_at)
            SELECT o.id, 9000, '重复缴费', CASE WHEN i % 2000 = 0 THEN 'requested' ELSE 'rejected' END, 'request', now()
            FROM generate_series(200, {n}, 200) AS i JOIN "order" o ON o.number = 'B{YEAR}' || lpad(i::text, 12, '0')"""),
        ("offset applications", f"""
            INSERT INTO offset_application (user_id, region, year, offset_type, role, quantity, fields, credits, status,
                                            created_at, submitted_at)
            SELECT base.id + i, '{REGION}', {YEAR}, 'paper', 'sole_author', 1, '{{}}', 30,
                   CASE WHEN i % 500 = 0 THEN 'submitted' ELSE 'approved' END, now(), now() - make_interval(secs => i)
            FROM generate_series(50, {n}, 50) AS i, base"""),
        ("study cards", f"""
            INSERT INTO study_card (region, year, batch, number, secret_hash, status, created_at)
            SELECT '{REGION}', {YEAR}, 'B{YEAR}' || lpad((i / 500)::text, 5, '0'), 'C' || lpad(i::text, 10, '0'),
                   'bench:no-secret', CASE WHEN i % 4 = 0 THEN 'used' ELSE 'active' END, now()
            FROM generate_series(0, {max(n // 10, 500) - 1}) AS i"""),
        ("jobs", f"""
            INSERT INTO job (kind, region, params, status, done, total, attempts, result, created_at, finished_at)
            SELECT 'export', '{REGION}', '{{"year": {YEAR}, "format": "csv"}}', 'done', {n}, {n}, 1,
                   'chaoyang-{YEAR}-' || i || '.csv', now(), now()
            FROM generate_series(1, 200) AS i"""),
    ]


def ensure_database(url: str) -> None:
    """Create the database ``url`` names when it does not exist yet."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{target.database}"')


def main(url: str, n: int) -> None:
    os.environ.setdefault("CPE_PLUGINS", "*")
    from flask_migrate import upgrade

    from cpe_core import create_app
    from cpe_core.extensions import db
    from cpe_core.services.accounts import create_user

    if not url.startswith("postgresql"):
        sys.exit("seed.py seeds PostgreSQL only (generate_series)")
    ensure_database(url)
    app = create_app({"CPE_DATABASE_URL": url, "CPE_PASSWORD_METHOD": "pbkdf2:sha256:1000",
                      "CPE_SECRET_KEY": "bench-secret", "CPE_SECURE_COOKIES": False})
    started = time.monotonic()
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        create_user(region=REGION, login=f"{REGION}-admin", name="管理员", password="Passw0rd!", role="admin")
        create_user(region=REGION, login=f"{REGION}-reviewer", name="审核员", password="Passw0rd!", role="reviewer")
        db.session.commit()
        with db.engine.begin() as connection:
            raw = connection.connection.driver_connection  # psycopg's own: no placeholders to escape
            raw.execute('CREATE TEMPORARY TABLE base ON COMMIT DROP AS SELECT max(id) AS id FROM "user"')
            for label, sql in statements(n):
                step = time.monotonic()
                rows = raw.execute(sql).rowcount
                print(f"  {label}: {rows:,} rows in {time.monotonic() - step:.0f} s", flush=True)
            for table in ("user", "learner_profile", "credit_record", "order", "invoice", "refund",
                          "offset_application", "study_card", "job"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
        step = time.monotonic()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        print(f"  vacuum analyze: {time.monotonic() - step:.0f} s")
    print(f"seeded {n:,} learners in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
