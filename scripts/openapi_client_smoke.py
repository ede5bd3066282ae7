"""Drives a running lingong through a Python client generated from its own OpenAPI document.

Usage: openapi_client_smoke.py BASE_URL  (run with the generated package on PYTHONPATH)
"""
from lingong_api_client import Client, AuthenticatedClient
from lingong_api_client.api.auth import auth_register
from lingong_api_client.api.employers import employers_put_me
from lingong_api_client.api.shifts import shifts_create, shifts_get_one, shifts_list_mine
from lingong_api_client.api.districts import districts_search
from lingong_api_client.models import RegisterRequest, EmployerRequest, ShiftRequest, SlotBody, PayBody, Role, PayUnit, EmployerKind, Settlement, EmploymentType, ErrorBody
import datetime, sys
base = sys.argv[1]
c = Client(base_url=base)
s = auth_register.sync(client=c, body=RegisterRequest(role=Role.EMPLOYER, phone="13811112222", password="generated-client", display_name="生成的客户端"))
print("registered", s.user.id, s.user.role)
ac = AuthenticatedClient(base_url=base, token=s.token)
e = employers_put_me.sync(client=ac, body=EmployerRequest(name="某某家政有限公司", kind=EmployerKind.ENTERPRISE, credit_code="91350100M000100Y43", contact_name="王", contact_phone="13811112222", address="上海市浦东新区世纪大道100号", lat=31.235, lng=121.52, description="社区家政服务，员工 30 人"))
print("employer", e.id, e.adcode, e.verified)
tz = datetime.timezone(datetime.timedelta(hours=8))
d = (datetime.datetime.now(tz) + datetime.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
body = ShiftRequest(title="仓库理货员", description="仓库理货上架，扫码入库。", requirements="会用手机", category="warehouse", headcount=2, address="上海市浦东新区", lat=31.23, lng=121.51, slots=[SlotBody(start=d.isoformat(), end=(d+datetime.timedelta(hours=4)).isoformat())], pay=PayBody(amount_fen=3000, unit=PayUnit.HOUR), settlement=Settlement.DAILY, employment_type=EmploymentType.GIG, valid_through=d.isoformat())
sh = shifts_create.sync(client=ac, body=body)
assert not isinstance(sh, ErrorBody), sh
print("shift", sh.id, sh.status, sh.slots[0].start)
print("read back", shifts_get_one.sync(client=ac, id=sh.id).title)
page = shifts_list_mine.sync(client=ac, limit=10)
print("mine", [x.id for x in page.items], page.next_cursor)
body.headcount = 0
err = shifts_create.sync(client=ac, body=body)
assert isinstance(err, ErrorBody), err
print("error", err.error.code, [f.field for f in err.error.fields])
print("districts", [x.full_name for x in districts_search.sync(client=c, q="浦东").items])
