"""The HTTP API (FastAPI) and the web page it serves: `gongfu.api.app:app`, started by `gongfu serve`."""
