# jsonflat.awk - flatten a JSON document into "path<TAB>value" lines, one
# per scalar; object keys and array indexes are joined with "/", e.g.
#   {"uuid":"u1","public_keys":{"k":"ssh-ed25519 AAA"},"keys":[{"data":"x"}]}
# gives  uuid<TAB>u1, public_keys/k<TAB>ssh-ed25519 AAA, keys/0/data<TAB>x.
# String escapes are decoded; a newline inside a value becomes a space and
# trailing whitespace is dropped, so every value fits on one line.
# Plain POSIX awk (busybox awk runs it): no jq in the guest.
BEGIN { RS = "\001" }
{ doc = doc $0 "\n" }
END {
	n = length(doc); p = 1
	ws(); value("")
}
function ws(c) {
	while (p <= n) {
		c = substr(doc, p, 1)
		if (c != " " && c != "\t" && c != "\n" && c != "\r") break
		p++
	}
}
function join(prefix, k) { return prefix == "" ? k : prefix "/" k }
function emit(path, v) {
	sub(/[ \t\r\n]+$/, "", v)
	gsub(/[\r\n]/, " ", v)
	printf "%s\t%s\n", path, v
}
function value(path, c, k, i) {
	ws(); c = substr(doc, p, 1)
	if (c == "{") {
		p++; ws()
		if (substr(doc, p, 1) == "}") { p++; return }
		while (p <= n) {
			ws(); k = str(); ws()
			if (substr(doc, p, 1) == ":") p++
			value(join(path, k)); ws()
			c = substr(doc, p, 1); p++
			if (c != ",") return
		}
	} else if (c == "[") {
		p++; ws(); i = 0
		if (substr(doc, p, 1) == "]") { p++; return }
		while (p <= n) {
			value(join(path, i++)); ws()
			c = substr(doc, p, 1); p++
			if (c != ",") return
		}
	} else if (c == "\"") {
		emit(path, str())
	} else {
		k = ""
		while (p <= n) {
			c = substr(doc, p, 1)
			if (index(",}] \t\r\n", c)) break
			k = k c; p++
		}
		emit(path, k)
	}
}
function str(s, c, e, h) {
	if (substr(doc, p, 1) != "\"") return ""
	p++; s = ""
	while (p <= n) {
		c = substr(doc, p, 1); p++
		if (c == "\"") return s
		if (c != "\\") { s = s c; continue }
		e = substr(doc, p, 1); p++
		if (e == "n") s = s "\n"
		else if (e == "t") s = s "\t"
		else if (e == "r") s = s "\r"
		else if (e == "b" || e == "f") s = s " "
		else if (e == "u") {
			h = substr(doc, p, 4); p += 4
			# ASCII code points only; anything else becomes "?"
			s = s (h ~ /^00[2-7][0-9a-fA-F]$/ ? sprintf("%c", hex(h)) : "?")
		} else s = s e
	}
	return s
}
function hex(h, i, v) {
	v = 0; h = tolower(h)
	for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}
