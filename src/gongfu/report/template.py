"""The HTML of the report: one self-contained page (inline CSS, charts as base64 PNG, no scripts, no network)."""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gongfu {{ version }}">
<title>{{ title }}</title>
<style>
 body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans", sans-serif;
        margin: 0; color: #1d2733; background: #f5f6f8; line-height: 1.45; }
 header { background: #8c1c13; color: white; padding: 1.2rem 2rem; }
 header h1 { margin: 0 0 .3rem 0; font-size: 1.6rem; }
 header p { margin: 0; opacity: .9; }
 nav { background: white; border-bottom: 1px solid #dde; padding: .5rem 2rem; font-size: .9rem; }
 nav a { margin-right: 1rem; color: #8c1c13; text-decoration: none; }
 main { max-width: 1100px; margin: 0 auto; padding: 1rem 2rem 3rem; }
 section { background: white; border: 1px solid #e1e4ea; border-radius: 8px; padding: 1rem 1.4rem; margin: 1.2rem 0; }
 h2 { font-size: 1.25rem; margin: .2rem 0 .8rem; color: #8c1c13; }
 h3 { font-size: 1.02rem; margin: 1rem 0 .4rem; }
 .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: .8rem; }
 .card { border: 1px solid #e1e4ea; border-radius: 6px; padding: .7rem .9rem; background: #fbfbfc; }
 .card .label { font-size: .8rem; color: #5a6472; }
 .card .value { font-size: 1.35rem; font-weight: 600; margin-top: .2rem; }
 .card .sub { font-size: .78rem; color: #5a6472; }
 .pos { color: #1e7b45; } .neg { color: #b1281b; }
 td.met { background: #e8f5ec; color: #1e6b3c; } td.unmet { color: #7a3a33; }
 table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; }
 th, td { border-bottom: 1px solid #e6e8ee; padding: .3rem .5rem; text-align: right; }
 td { white-space: nowrap; } td.text { white-space: normal; } td:first-child { white-space: nowrap; }
 .scroll { overflow-x: auto; }
 th { background: #f1f3f6; font-weight: 600; }
 th:first-child, td:first-child, td.text, th.text { text-align: left; }
 img { max-width: 100%; height: auto; display: block; margin: .4rem auto; }
 .two { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
 @media (max-width: 800px) { .two { grid-template-columns: 1fr; } }
 .note { font-size: .82rem; color: #5a6472; }
 .warn { background: #fff6e0; border: 1px solid #f0d48a; padding: .5rem .8rem; border-radius: 6px; font-size: .85rem; }
 dl.repro { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; font-size: .85rem; }
 dl.repro dt { color: #5a6472; } dl.repro dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
 footer { text-align: center; font-size: .8rem; color: #5a6472; padding: 1rem; }
</style>
</head>
<body>
<header>
 <h1>{{ title }}</h1>
 <p>{{ subtitle }}</p>
</header>
<nav>{% for s in sections %}<a href="#{{ s.id }}">{{ s.title }}</a>{% endfor %}</nav>
<main>
{% if font_note %}<p class="warn">{{ font_note }}</p>{% endif %}
{% for s in sections %}
<section id="{{ s.id }}">
 <h2>{{ s.title }}</h2>
 {% if s.cards %}<div class="cards">{% for c in s.cards %}
  <div class="card"><div class="label">{{ c.label }}</div><div class="value {{ c.get("cls", "") }}">{{ c.value }}</div>
  {% if c.get("sub") %}<div class="sub">{{ c.sub }}</div>{% endif %}</div>{% endfor %}
 </div>{% endif %}
 {% if s.charts %}<div>{% for ch in s.charts %}
  <figure><img alt="{{ ch.alt }}" src="data:image/png;base64,{{ ch.data }}"></figure>{% endfor %}
 </div>{% endif %}
 {% for tb in s.tables %}
  {% if tb.title %}<h3>{{ tb.title }}</h3>{% endif %}
  <div class="scroll"><table class="{{ tb.name }}"><thead><tr>{% for h in tb.headers %}<th{% if tb.text_cols[loop.index0] %} class="text"{% endif %}>{{ h }}</th>{% endfor %}</tr></thead>
  <tbody>{% for row in tb.rows %}<tr>{% for cell in row %}<td class="{{ 'text' if cell.text }} {{ cell.get('cls', '') }}">{{ cell.v }}</td>{% endfor %}</tr>{% endfor %}</tbody></table></div>
 {% endfor %}
 {% if s.repro %}<dl class="repro">{% for k, v in s.repro %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>{% endif %}
 {% for n in s.notes %}<p class="note">{{ n }}</p>{% endfor %}
</section>
{% endfor %}
</main>
<footer>{{ footer }}</footer>
</body>
</html>
"""
