"""The throwaway SecantusDB server: CRUD, unique indexes, stop/start, external URLs, errors."""

import pymongo
import pytest
from pymongo.errors import DuplicateKeyError, PyMongoError

from backend_agent.errors import ServiceError
from backend_agent.services import LocalMongo, local_mongo
from backend_agent.services import mongo as mongo_module
from backend_agent.services.mongo import URL_ENV
from backend_agent.services.process import port_is_open


def test_crud_and_unique_index(mongo: LocalMongo) -> None:
    assert mongo.url() == f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true"
    with pymongo.MongoClient(mongo.url(), serverSelectionTimeoutMS=5000) as client:
        users = client.app.users
        users.create_index("email", unique=True)
        users.insert_one({"email": "ada@example.com", "name": "Ada"})

        with pytest.raises(DuplicateKeyError):
            users.insert_one({"email": "ada@example.com", "name": "Impostor"})

        assert users.find_one({"email": "ada@example.com"}, {"_id": 0}) == {
            "email": "ada@example.com",
            "name": "Ada",
        }
        assert users.count_documents({}) == 1


def test_stop_then_start_comes_back_on_the_same_port_with_the_data() -> None:
    with local_mongo() as server:
        with pymongo.MongoClient(server.url()) as client:
            client.app.things.insert_one({"_id": 1, "kept": True})
        port = server.port

        server.stop()
        assert server.pid is None
        assert not port_is_open(server.host, port)
        with (
            pymongo.MongoClient(server.url(), serverSelectionTimeoutMS=300) as client,
            pytest.raises(PyMongoError),
        ):
            client.app.things.find_one()

        server.start()
        assert server.port == port
        with pymongo.MongoClient(server.url()) as client:
            assert client.app.things.find_one({"_id": 1}) == {"_id": 1, "kept": True}


def test_close_deletes_the_data_and_is_idempotent() -> None:
    server = LocalMongo()
    server.start()
    workdir, port = server.workdir, server.port
    assert workdir is not None

    server.close()
    server.close()

    assert not workdir.exists()
    assert not port_is_open("127.0.0.1", port)


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("mongodb://db.example:27018/app", "db.example", 27018),
        ("mongodb://user:pw@a.example,b.example:27019/?replicaSet=rs0", "a.example", 27017),
        ("mongodb://[::1]:27020/", "::1", 27020),
    ],
)
def test_a_given_url_starts_nothing_and_is_handed_back(url: str, host: str, port: int) -> None:
    with local_mongo(url) as server:
        assert server.external
        assert (server.pid, server.workdir) == (None, None)
        assert server.url() == url
        assert (server.host, server.port) == (host, port)
        with pytest.raises(ServiceError, match="not managed by backend-agent"):
            server.start()


def test_the_url_environment_variable_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, "mongodb://mongo.example:27017/")

    with local_mongo() as server:
        assert server.external
        assert server.url() == "mongodb://mongo.example:27017/"


def test_missing_secantusdb_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_module, "find_spec", lambda name: None)

    with pytest.raises(ServiceError, match="SecantusDB not installed: pip install secantusdb"):
        LocalMongo().start()
