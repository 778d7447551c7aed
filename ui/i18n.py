"""The page's words in simplified Chinese (default), traditional Chinese and English.

Static labels go to the browser through Gradio's ``gr.I18n``, which picks the browser's
language; text made on the server (answers, messages, table headings) uses
:func:`lang_of`, which reads the same preference from the request's Accept-Language.
Traditional strings are made from the simplified ones with OpenCC (s2twp), so the table
holds each message twice, not three times.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["STRINGS", "LANGS", "lang_of", "t", "gradio_i18n"]

LANGS = ("zh-CN", "zh-TW", "en")

# key: (simplified Chinese, English)
STRINGS: dict[str, tuple[str, str]] = {
    "title": ("## 新闻档案问答\n回答均为档案原文中的句子，并附出处。",
              "## News archive QA\nAnswers are sentences quoted from the archive, each with its source."),
    "tab_ask": ("提问", "Ask"),
    "tab_archive": ("档案", "Archive"),
    "conversation": ("对话", "Conversation"),
    "placeholder": ("输入问题，按 Enter 发送", "Type a question and press Enter"),
    "examples": ("试试", "Try"),
    "new_conversation": ("新对话", "New conversation"),
    "send": ("提问", "Ask"),
    "filters": ("**筛选**（缩小检索范围）", "**Filters** (narrow retrieval)"),
    "from_date": ("起始日期", "From date"),
    "to_date": ("截止日期", "To date"),
    "sources": ("来源", "Sources"),
    "archive": ("档案库", "Archive"),
    "all_archives": ("全部档案库", "All archives"),
    "archive_managed": ("管理的档案库", "Archive managed here"),
    "answered_from": ("出自档案库：{name}", "from the archive {name}"),
    "session_expired": ("登录已过期，请重新登录（打开 /logout）。", "Your login has expired; log in again (open /logout)."),
    "refused_viewer": ("没有更改档案库“{archive}”的权限：此账号只能提问和阅读，已记录。",
                       "Not allowed: this account may ask and read but not change the archive {archive}; logged."),
    "audit_log": ("更改记录（最新在前）", "Changes (latest first)"),
    "audit_time": ("时间", "time"),
    "audit_who": ("账号", "account"),
    "audit_action": ("操作", "action"),
    "audit_files": ("文件", "files"),
    "audit_outcome": ("结果", "outcome"),
    "audit_add": ("添加", "add"),
    "audit_reread": ("重新读取", "re-read"),
    "audit_remove": ("删除", "remove"),
    "audit_refused": ("已拒绝", "refused"),
    "audit_build": ("重建", "rebuild"),
    "feedback_hint": ("回答不对？点回答下方的“踩”按钮，问题、回答和出处会记录下来供档案管理员检查。",
                      "Wrong answer? Click the thumbs-down under it: the question, answer and citation are "
                      "recorded for review."),
    "doc_query": ("搜索文档（标题、来源、作者、文件名）", "Search documents (title, source, author, file name)"),
    "page": ("页码", "Page"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "documents": ("文档", "Documents"),
    "selected": ("选中的文件（点表格中的一行）", "Selected file (click a row of the table)"),
    "open": ("打开", "Open"),
    "reread": ("重新读取", "Re-read"),
    "remove": ("从索引中删除…", "Remove from index…"),
    "confirm_remove": ("确认删除", "Confirm removal"),
    "cancel": ("取消", "Cancel"),
    "delete_file": ("同时删除磁盘上的文件", "Also delete the file from disk"),
    "remove_warning": ("**确认**：该文档将从索引中删除，之后不再被检索和引用。磁盘上的文件默认保留。",
                       "**Confirm**: the document leaves the index and is never searched or quoted again. "
                       "The file on disk is kept unless you tick the box."),
    "cleaned_text": ("清理后的正文", "Cleaned text"),
    "message": ("消息", "Message"),
    "upload": ("添加文件或 zip 压缩包", "Add files or a zip"),
    "add": ("加入档案", "Add to archive"),
    "report": ("报告", "Report"),
    "read_only": ("此页面以只读方式共享：不能在此添加或删除文件。",
                  "This page is shared read-only: files cannot be added or removed here."),
    # made on the server
    "thinking": ("正在查找……", "Searching…"),
    "not_found": ("档案中没有找到答案。", "Not in the archive."),
    "closest": ("最接近的段落：", "Closest passages:"),
    "reason_empty_question": ("请输入问题。", "Type a question."),
    "reason_empty_archive": ("档案是空的：请先在“档案”页上传文件，或运行 rag update。",
                             "The archive is empty: add files with `rag update`."),
    "reason_no_match": ("没有符合所选日期范围或来源的文章，请放宽筛选条件。",
                        "No article matches the date range or sources chosen; widen the filters."),
    "reason_not_answered": ("档案似乎没有回答这个问题，下面列出最接近的段落。",
                            "The archive does not seem to answer this question; the closest passages are listed."),
    "short_answer": ("简短回答：", "Short answer: "),
    "short_date": ("（即 {value}，{how}）", " (that is {value}, {how})"),
    "date_how_as_written": ("原文写明", "as written"),
    "date_how_published": ("按发布日期 {day} 推算", "read against the publication day {day}"),
    "date_how_earlier": ("按文中前文的 {said} 推算", "read from {said} earlier in the article"),
    "dates_chip": ("按发布时间 {range}（读自“{words}”，以 {today} 为今天）",
                   "Published {range} (read from “{words}” with today {today})"),
    "dates_range": ("{start} 至 {end}", "{start} to {end}"),
    "dates_from": ("{start} 起", "from {start}"),
    "dates_to": ("截至 {end}", "up to {end}"),
    "dates_remove": ("不按日期筛选：取消右侧“按问题中的日期筛选”。",
                     "To drop it, untick “Filter by dates in the question” on the right."),
    "question_dates": ("按问题中的日期筛选（如“上个月”）", "Filter by dates in the question (e.g. 上个月)"),
    "many_list": ("共找到 {total} 篇相关报道（转载只计一次），按相关程度列出前 {shown} 篇：",
                  "{total} stories found (reposts once); the {shown} most relevant:"),
    "many_count": ("共 {total} 篇（转载只计一次）。统计口径：{counted}。列出前 {shown} 篇供核对：",
                   "{total} stories (reposts once). Counted: {counted}. The first {shown}, to check:"),
    "many_timeline": ("按时间顺序（共 {total} 篇相关报道，列出 {shown} 条）：",
                      "In date order ({total} stories, {shown} shown):"),
    "many_more": ("另有 {more} 篇未列出。", "{more} more not shown."),
    "many_none": ("档案中没有找到相关报道：{message}", "No report found: {message}"),
    "many_none_words": ("档案中没有{range}标题或正文含{words}的报道：请放宽日期或换个说法。",
                        "No article{range} holds {words}: widen the dates or change the words."),
    "many_no_subject": ("请说明要找哪方面的报道（例如：关于巡视的报道有哪些？）。",
                        "Say what the reports should be about (for example 关于巡视的报道有哪些?)."),
    "counted": ("{range}标题或正文含{words}的报道（繁简字形都算，同一报道的转载只计一次）",
                "articles{range} whose title or text holds {words} (in either script; reposts of one story once)"),
    "counted_range": ("发布于 {start} 至 {end}、", " published {start} to {end}"),
    "counted_from": ("发布于 {start} 当天及以后、", " published from {start}"),
    "counted_to": ("发布于 {end} 当天及以前、", " published up to {end}"),
    "counted_words": ("“{words}”", "{words}"),
    "counted_and": ("”和“", " + "),
    "alternatives": ("各报道说法不一（按发布日期，最新在前）：", "Reports differ (by publication day, latest first):"),
    "event_date": ("事件日期 {value}（{how}）", "event {value} ({how})"),
    "whole_article": ("全文", "whole article"),
    "ocr_read": ("扫描件第 {page} 页，OCR 识别（平均置信度 {confidence}），引文为识别出的原文",
                 "scanned page {page}, read by OCR (mean confidence {confidence}); the quote is the OCR text"),
    "ocr_low": ("{n} 个字识别置信度低（红色下划线）", "{n} characters read with low confidence (underlined in red)"),
    "ocr_low_char": ("OCR 识别置信度低", "read by OCR with low confidence"),
    "ocr_alt": ("扫描页上的引文位置", "the quote on the scanned page"),
    "scan_missing": ("扫描文件已不在原处，无法显示页面", "the scanned file is no longer where it was read"),
    "scan_changed": ("扫描文件在读入后已改动，请更新档案后再看页面", "the scanned file changed since it was read; update the archive"),
    "scan_unreadable": ("无法显示这一页", "the page cannot be shown"),
    "timeline_action": ("时间线", "timeline"),
    "earlier_text": ("……前文", "… earlier text"),
    "also_published": ("同时发布于", "also published by"),
    "site": ("网站", "site"),
    "original_link": ("原文链接", "original link"),
    "metadata": ("文章的元数据", "the article's metadata"),
    "no_link": ("无原文链接", "no original link"),
    "bad_date": ("{name}日期“{value}”不是 YYYY-MM-DD 格式，请改正后再问。",
                 "Date '{value}' in the {name} filter is not YYYY-MM-DD; fix it and ask again."),
    "from": ("起始", "from"),
    "to": ("截止", "to"),
    "col_date": ("日期", "date"),
    "col_source": ("来源", "source"),
    "col_title": ("标题", "title"),
    "col_group": ("转载组", "repost group"),
    "col_file": ("文件", "file"),
    "page_of": ("共 {total} 篇，第 {page}/{pages} 页", "{total} documents, page {page} of {pages}"),
    "choose_row": ("先在表格中选中一篇文档。", "Choose a document in the table first."),
    "removed": ("已从索引中删除：{name}", "Removed from the index: {name}"),
    "removed_deleted": ("已从索引和磁盘中删除：{name}", "Removed from the index and deleted from disk: {name}"),
    "reread_done": ("已重新读取：{name}", "Read again: {name}"),
    "choose_files": ("请先选择文件或 zip。", "Choose files or a zip first."),
    "nothing_added": ("没有可添加的内容。", "Nothing to add."),
    "feedback_saved": ("已记录，谢谢。", "Recorded, thank you."),
    "stats": ("**{documents}** 篇文章 · **{chunks}** 个段落 · **{groups}** 个转载组 · 最近更新 {updated}\n\n"
              "**来源：** {sources}\n\n可上传：{suffixes}；每个文件或 zip 不超过 {mb} MB。",
              "**{documents}** articles · **{chunks}** passages · **{groups}** repost groups · last update {updated}"
              "\n\n**Sources:** {sources}\n\nUploads: {suffixes}; at most {mb} MB per file or zip."),
}

# Gradio's own languages; the page shows simplified Chinese in all but English and traditional Chinese.
_GRADIO_LOCALES = ("ar", "ca", "ckb", "de", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "ja", "ko", "lt", "nb",
                   "nl", "pl", "pt-BR", "pt", "ro", "ru", "sv", "ta", "th", "tr", "uk", "ur", "uz")
_TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")
# s2twp's Taiwan phrases that do not fit a news page: 发布 is 發布 there too (釋出 is a software release).
_TW_WORDS = {"釋出": "發布"}


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    import opencc

    s2t = opencc.OpenCC("s2twp")

    def traditional(zh: str) -> str:
        text = s2t.convert(zh)
        for phrase, word in _TW_WORDS.items():
            text = text.replace(phrase, word)
        return text

    return {
        "zh-CN": {k: zh for k, (zh, _) in STRINGS.items()},
        "zh-TW": {k: traditional(zh) for k, (zh, _) in STRINGS.items()},
        "en": {k: en for k, (_, en) in STRINGS.items()},
    }


def lang_of(accept_language: str | None) -> str:
    """``zh-CN``, ``zh-TW`` or ``en`` for an Accept-Language header (the first language named decides)."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip().lower()
    if first.startswith("en"):
        return "en"
    if first.startswith(_TRADITIONAL):
        return "zh-TW"
    return "zh-CN"


def t(key: str, lang: str = "zh-CN", **values) -> str:
    """The string ``key`` in ``lang`` with ``values`` filled in."""
    text = _table().get(lang, _table()["zh-CN"])[key]
    return text.format(**values) if values else text


def gradio_i18n():
    """The ``gr.I18n`` for ``launch(i18n=...)``: every Gradio locale gets a translation, so a browser
    that asks for neither English nor traditional Chinese sees simplified Chinese."""
    import gradio as gr

    table = _table()
    locales = {"en": table["en"], "zh-CN": table["zh-CN"], "zh": table["zh-CN"], "zh-TW": table["zh-TW"],
               "zh-HK": table["zh-TW"]}
    locales.update({code: table["zh-CN"] for code in _GRADIO_LOCALES})
    return gr.I18n(**locales)
