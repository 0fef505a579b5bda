"""The notice feeds parse and link to the absolute notice addresses, newest first."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed(client, world):
    response = client.get(reverse("public:notices_atom"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        world.cancel_notice.title,
        world.establish_notice.title,
    ]
    link = entries[1].find(f"{ATOM}link").get("href")
    assert link == f"https://gs.example.gov.cn/portal/notices/{world.establish_notice.pk}/"
    assert entries[1].find(f"{ATOM}id").text == link


def test_rss_feed_with_a_filter(client, world):
    response = client.get(reverse("public:notices_rss"), {"kind": "cancel"})
    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [i.find("title").text for i in items] == [world.cancel_notice.title]
    assert items[0].find("link").text == (
        f"https://gs.example.gov.cn/portal/notices/{world.cancel_notice.pk}/"
    )
    assert world.cancel_notice.number in items[0].find("description").text
    assert channel.find("link").text == "https://gs.example.gov.cn/portal/notices/"


def test_a_bad_feed_filter_is_400(client, world):
    response = client.get(reverse("public:notices_atom"), {"region": "x"})
    assert response.status_code == 400
    assert "region" in response.content.decode()
