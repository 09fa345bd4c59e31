"""A minimal iCalendar (RFC 5545) writer for a group's upcoming meetings: no dependency needed."""
import re

LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _escape(text):
    """A TEXT value (RFC 5545, 3.3.11): every kind of line break becomes \\n and other control
    characters go, so a location typed with a bare carriage return cannot start a new line."""
    text = str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return CONTROLS.sub("", LINE_BREAKS.sub("\\\\n", text))


def _fold(line):
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545, 3.1)."""
    data = line.encode("utf-8")
    parts = []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
    parts.append(data)
    return b"\r\n ".join(parts).decode("utf-8")


def _stamp(value):
    return value.strftime("%Y%m%dT%H%M%SZ")


def calendar(name, events, now):
    """events: dicts with uid, starts (naive UTC), ends, summary, location, description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//peergroups//calendar//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event['uid']}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(event['starts'])}", f"DTEND:{_stamp(event['ends'])}",
                  f"SUMMARY:{_escape(event['summary'])}"]
        if event.get("location"):
            lines.append(f"LOCATION:{_escape(event['location'])}")
        if event.get("description"):
            lines.append(f"DESCRIPTION:{_escape(event['description'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
