import asyncio, statistics, time, multiprocessing, orjson, httpx, aiohttp
from bench.upstream import _free_port, _serve, _wait_until_up, _cpu_per_call, CTX, FINS
from adapters.base import AdapterConfig
from adapters.http import xroad_headers
from httpx_aiohttp import AiohttpTransport
async def measure(base):
    config = AdapterConfig(agency_urls={"population": f"{base}/population"})
    body = orjson.dumps({"fins": FINS}); url = f"{base}/population/persons:batch"
    session = aiohttp.ClientSession()
    async def plain():
        async with session.post(url, data=body, headers={**xroad_headers(config, CTX), "Content-Type": "application/json"}) as r:
            return orjson.loads(await r.read())
    from httpx_aiohttp import HttpxAiohttpClient
    c = HttpxAiohttpClient(base_url=f"{base}/population", timeout=3.0)
    async def nostream():
        r = await c.post("/persons:batch", content=body, headers={**xroad_headers(config, CTX), "Content-Type": "application/json"})
        return orjson.loads(r.content)
    t = AiohttpTransport()
    timeout = httpx.Timeout(3.0, connect=1.0).as_dict()
    async def direct():
        req = httpx.Request("POST", url, headers={**xroad_headers(config, CTX), "Content-Type": "application/json"}, content=body, extensions={"timeout": timeout})
        r = await t.handle_async_request(req)
        data = await r.aread(); await r.aclose()
        return orjson.loads(data)
    rounds=[]
    for _ in range(5):
        rounds.append((await _cpu_per_call(plain), await _cpu_per_call(nostream), await _cpu_per_call(direct)))
    for i,n in enumerate(["plain","nostream","direct"]):
        print(n, statistics.median(r[i] for r in rounds)*1000, statistics.median(r[i]/r[0] for r in rounds))
    await session.close(); await c.aclose(); await t.aclose()
port=_free_port(); base=f"http://127.0.0.1:{port}"
p=multiprocessing.get_context("spawn").Process(target=_serve,args=(port,),daemon=True); p.start()
try:
    asyncio.run(_wait_until_up(base)); asyncio.run(measure(base))
finally: p.terminate(); p.join()
