"""The security suite: token checks, refresh reuse, rate limits across replicas, and no object leaks."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import statistics
import time
import uuid

import httpx
import jwt

from tests.sync_server.conftest import sign_in


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _account(server, token: str) -> httpx.Response:
    with server.client(token) as client:
        return client.get("/v1/account")


def test_forged_unsigned_other_key_and_refresh_as_access_tokens_are_refused(replicas, make_student):
    tokens = sign_in(replicas[0], make_student())
    good = tokens["access_token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    assert _account(replicas[1], good).status_code == 200
    header, payload, signature = good.split(".")
    forged_payload = _b64({**claims, "role": "admin"})
    refused = {
        "forged signature": f"{header}.{forged_payload}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "other key": jwt.encode(claims, "not the server's key, though long enough", algorithm="HS256"),
        "refresh token as access": tokens["refresh_token"],
        "garbage": "abc.def",
    }
    # Wrong claims under the server's own key (expired, other audience, other type) are the next test's.
    for name, token in refused.items():
        answer = _account(replicas[0], token)
        assert answer.status_code == 401, (name, answer.text)
        assert answer.json()["error"]["code"] == "unauthorized"


def test_claims_are_checked_even_under_the_right_key():
    from sync_server.core.errors import ApiError
    from sync_server.core.security import AccessTokens

    tokens = AccessTokens("k" * 48, "studyteddy-sync", 900)
    good = jwt.decode(tokens.issue(uuid.uuid4(), uuid.uuid4(), "student"), options={"verify_signature": False})
    for name, claims in {"expired": {**good, "exp": int(time.time()) - 5},
                         "wrong audience": {**good, "aud": "another-app"},
                         "refresh type": {**good, "typ": "refresh"},
                         "no expiry": {k: v for k, v in good.items() if k != "exp"}}.items():
        token = jwt.encode(claims, "k" * 48, algorithm="HS256")
        try:
            tokens.verify(token)
        except ApiError as error:
            assert error.status == 401, name
        else:
            raise AssertionError(f"{name} was accepted")
    assert tokens.verify(jwt.encode(good, "k" * 48, algorithm="HS256"))


def test_a_reused_refresh_token_ends_its_whole_session(replicas, make_student):
    tokens = sign_in(replicas[0], make_student())
    with replicas[0].client() as client:
        rotated = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert rotated.status_code == 200
        reused = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert reused.status_code == 401 and "used twice" in reused.json()["error"]["message"]
        # The family is gone: the token the thief or the student got from the rotation is dead too.
        successor = client.post("/v1/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]})
    assert successor.status_code == 401
    assert _account(replicas[1], rotated.json()["access_token"]).status_code == 401


def test_login_answers_alike_for_an_unknown_account_and_a_wrong_password(replicas, make_student):
    student = make_student()
    timings: dict[str, list[float]] = {"unknown": [], "wrong": []}
    answers = set()
    with replicas[0].client() as client:
        for round_ in range(4):
            for kind, login in (("unknown", f"nobody-{uuid.uuid4().hex[:6]}"), ("wrong", student.login)):
                started = time.perf_counter()
                answer = client.post("/v1/auth/login", json={"login": login, "password": f"guess {round_}"})
                timings[kind].append(time.perf_counter() - started)
                answers.add((answer.status_code, answer.json()["error"]["message"]))
    assert answers == {(401, "The login or the password is wrong.")}
    # Both verify one argon2id hash; without the dummy hash "unknown" would answer in a few milliseconds.
    ratio = statistics.median(timings["unknown"]) / statistics.median(timings["wrong"])
    assert 0.4 < ratio < 2.5, timings


def _from(address: str, server, token: str | None = None) -> httpx.Client:
    """A client whose requests leave from `address` (all of 127.0.0.0/8 is this machine's loopback)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30,
                        transport=httpx.HTTPTransport(local_address=address))


def test_the_login_rate_limit_holds_across_replicas(replicas, make_student):
    student, address = make_student(), f"127.3.{random.randint(1, 254)}.{random.randint(1, 254)}"
    statuses = []
    for attempt in range(12):
        with _from(address, replicas[attempt % 3]) as client:
            statuses.append(client.post("/v1/auth/login", json={"login": student.login, "password": "wrong guess"}))
    limited = [answer for answer in statuses if answer.status_code == 429]
    assert statuses[0].status_code == 401 and limited, [answer.status_code for answer in statuses]
    assert int(limited[0].headers["Retry-After"]) > 0 and limited[0].json()["error"]["code"] == "rate_limited"


def test_guessing_from_many_addresses_slows_the_account_but_never_its_signed_in_device(replicas, make_student):
    from sync_server.core.rate_limit import LOGIN_PER_ACCOUNT

    student = make_student()
    holder = sign_in(replicas[0], student, "the student's own laptop")
    subnet, guesses = random.randint(1, 254), []
    for attempt in range(LOGIN_PER_ACCOUNT.attempts + 2):
        with _from(f"127.4.{subnet}.{attempt + 1}", replicas[attempt % 3]) as client:
            guesses.append(client.post("/v1/auth/login", json={"login": student.login, "password": "guess"}).status_code)
    # The holder's own sign-in above was the first attempt the account window counted.
    assert guesses[-1] == 429 and guesses.count(401) == LOGIN_PER_ACCOUNT.attempts - 1, guesses
    payload = {"login": student.login, "password": student.password, "device_name": "laptop again"}
    with _from(f"127.5.{subnet}.1", replicas[1]) as stranger:
        assert stranger.post("/v1/auth/login", json=payload).status_code == 429
    with _from(f"127.5.{subnet}.2", replicas[2], holder["access_token"]) as own_device:
        answer = own_device.post("/v1/auth/login", json=payload)
    assert answer.status_code == 200, answer.text


def test_a_second_student_cannot_reach_the_first_ones_objects(replicas, make_student):
    owner, intruder = make_student(), make_student()
    owner_tokens, intruder_tokens = sign_in(replicas[0], owner), sign_in(replicas[1], intruder)
    blob = b"lecture notes"
    sha = hashlib.sha256(blob).hexdigest()
    with replicas[0].client(owner_tokens["access_token"]) as client:
        assert client.put(f"/v1/blobs/{sha}", content=blob).status_code == 201
        client.post("/v1/sync/push", json={"push_id": str(uuid.uuid4()), "changes": [
            {"collection": "cards", "record_id": "secret-card",
             "fields": {"front": {"value": "private", "stamp": f"{1:013d}-000000-{'a' * 16}"}}}]})
    leaks = []
    with replicas[1].client(intruder_tokens["access_token"]) as client:
        checks = {
            "blob": client.get(f"/v1/blobs/{sha}"),
            "session": client.delete(f"/v1/sessions/{owner_tokens['session_id']}"),
            "admin accounts": client.get("/v1/admin/accounts"),
            "admin disable": client.post(f"/v1/admin/accounts/{owner.account_id}/disable"),
            "admin reset": client.post(f"/v1/admin/accounts/{owner.account_id}/password", json={}),
        }
        pulled = client.get("/v1/sync/pull").json()["records"]
        summary = client.get("/v1/sync/summary").json()
    for name, answer in checks.items():
        if answer.status_code not in (403, 404):
            leaks.append((name, answer.status_code))
    assert not leaks
    assert checks["blob"].status_code == checks["session"].status_code == 404
    assert pulled == [] and summary["collections"] == {}
    assert _account(replicas[0], owner_tokens["access_token"]).status_code == 200


def test_disabling_an_account_ends_every_session_at_once(replicas, make_student, admin_token):
    student = make_student()
    first, second = sign_in(replicas[0], student, "laptop"), sign_in(replicas[1], student, "phone")
    with replicas[2].client(admin_token) as admin:
        assert admin.post(f"/v1/admin/accounts/{student.account_id}/disable").json()["disabled"] is True
    for server, tokens in ((replicas[0], first), (replicas[1], second)):
        assert _account(server, tokens["access_token"]).status_code == 401
    with replicas[0].client() as client:
        again = client.post("/v1/auth/login", json={"login": student.login, "password": student.password})
    assert again.status_code == 403 and again.json()["error"]["code"] == "account_disabled"
