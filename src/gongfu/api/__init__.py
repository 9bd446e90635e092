"""The HTTP API (FastAPI) and the web page it serves: `gongfu.api.app:app`, started by `gongfu serve`.

A face: may import any gongfu package. service.py (the computations behind the routes) needs no extra;
app.py needs fastapi and uvicorn (the 'serve' extra) and is loaded only by `gongfu serve` and the tests.
"""
