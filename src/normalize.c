/*-------------------------------------------------------------------------
 *
 * normalize.c
 *	  Name normalization for matching: immutable and encoding-safe.
 *
 * name_normalize() turns a display name into the form that is stored in
 * tasks.records.name_norm and compared by the resolver:
 *
 *	 1. The text is read as Unicode code points (converted from the server
 *		encoding when that is not UTF-8; in a SQL_ASCII database the bytes
 *		are read as UTF-8 and an ill-formed byte counts as a separator).
 *	 2. Unicode NFD (PostgreSQL's own tables in common/unicode_norm.c), then
 *		diacritical marks are dropped: the combining diacritics blocks
 *		(U+0300..036F, U+1AB0..1AFF, U+1DC0..1DFF, U+20D0..20FF,
 *		U+FE20..FE2F), Cyrillic titlo and friends, Hebrew points and Arabic
 *		harakat.  Marks that change a letter rather than decorate it
 *		(Indic vowel signs, kana voicing marks) are kept.
 *	 3. Letters without a decomposition get a fixed spelling: ß ss, æ ae,
 *		œ oe, ø o, đ ð d, ł l, þ th, ı i, ħ h, ŋ n, ə e, the ligatures ﬁ ﬂ ...
 *		Fullwidth ASCII and Arabic-Indic / Devanagari digits become ASCII.
 *	 4. ASCII letters are lower-cased; Cyrillic and Greek are transliterated
 *		to lower-case ASCII (tables below: a simple scheme close to the
 *		passport spellings, e.g. Щукин shchukin, Γιώργος giorgos).
 *	 5. Whitespace, punctuation and symbols (ASCII punctuation, Latin-1
 *		symbols, U+2000..2BFF, U+2E00..2E7F, U+3000..303F, fullwidth
 *		punctuation, emoji, private use, ...) are separators; invisible
 *		format characters (soft hyphen, zero-width joiners, variation
 *		selectors, bidi controls) are dropped without separating.  Runs of
 *		separators become one space; leading and trailing ones vanish.
 *	 6. Every other character (letters of other scripts: CJK, Arabic,
 *		Hebrew, ...) is kept as is.  When any is kept the result is
 *		recomposed (NFC) so that Hangul syllables and voiced kana read as
 *		they were given.
 *
 * Nothing here depends on locale, collation, dictionaries or settings, so
 * the SQL wrappers are IMMUTABLE.  The only outside input is the Unicode
 * version of the server's normalization tables: a major upgrade that adds
 * decompositions for newly assigned code points could change the result for
 * such code points (then recompute the stored columns).  In a database whose
 * encoding is neither UTF-8 nor SQL_ASCII the conversion to and from UTF-8
 * uses the server's default conversion.
 *
 * Input longer than NAME_NORM_MAX_BYTES (8 kB) raises 22001.  Record names
 * are at most TASKS_MAX_NAME characters, so the limit only stops abuse; it
 * is small because PostgreSQL's unicode_normalize() is quadratic in a run
 * of combining marks and cannot be interrupted (20k marks took seconds).
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "common/unicode_norm.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

/* Largest input accepted, in bytes (server encoding). */
#define NAME_NORM_MAX_BYTES		8192

/* Worst case of output code points per input code point ("shch"). */
#define NAME_NORM_MAX_EXPANSION	4

/* A code point with a fixed ASCII spelling. */
typedef struct SpecialLetter
{
	pg_wchar	cp;
	const char *ascii;
} SpecialLetter;

/*
 * Letters NFD leaves alone, sorted by code point for bsearch.  Capitals and
 * small letters map to the same lower-case spelling.
 */
static const SpecialLetter special_letters[] = {
	{0x00AA, "a"},				/* ª feminine ordinal */
	{0x00B2, "2"},				/* ² */
	{0x00B3, "3"},				/* ³ */
	{0x00B5, "m"},				/* µ micro sign */
	{0x00B9, "1"},				/* ¹ */
	{0x00BA, "o"},				/* º masculine ordinal */
	{0x00C6, "ae"},				/* Æ */
	{0x00D0, "d"},				/* Ð */
	{0x00D8, "o"},				/* Ø */
	{0x00DE, "th"},				/* Þ */
	{0x00DF, "ss"},				/* ß */
	{0x00E6, "ae"},				/* æ */
	{0x00F0, "d"},				/* ð */
	{0x00F8, "o"},				/* ø */
	{0x00FE, "th"},				/* þ */
	{0x0110, "d"},				/* Đ */
	{0x0111, "d"},				/* đ */
	{0x0126, "h"},				/* Ħ */
	{0x0127, "h"},				/* ħ */
	{0x0131, "i"},				/* ı dotless i */
	{0x0132, "ij"},				/* Ĳ */
	{0x0133, "ij"},				/* ĳ */
	{0x0138, "k"},				/* ĸ */
	{0x013F, "l"},				/* Ŀ */
	{0x0140, "l"},				/* ŀ */
	{0x0141, "l"},				/* Ł */
	{0x0142, "l"},				/* ł */
	{0x0149, "n"},				/* ŉ */
	{0x014A, "n"},				/* Ŋ */
	{0x014B, "n"},				/* ŋ */
	{0x0152, "oe"},				/* Œ */
	{0x0153, "oe"},				/* œ */
	{0x0166, "t"},				/* Ŧ */
	{0x0167, "t"},				/* ŧ */
	{0x017F, "s"},				/* ſ long s */
	{0x0180, "b"},				/* ƀ */
	{0x0181, "b"},				/* Ɓ */
	{0x0189, "d"},				/* Ɖ */
	{0x018A, "d"},				/* Ɗ */
	{0x018E, "e"},				/* Ǝ */
	{0x018F, "e"},				/* Ə schwa */
	{0x0190, "e"},				/* Ɛ */
	{0x0191, "f"},				/* Ƒ */
	{0x0192, "f"},				/* ƒ */
	{0x0197, "i"},				/* Ɨ */
	{0x0198, "k"},				/* Ƙ */
	{0x0199, "k"},				/* ƙ */
	{0x019A, "l"},				/* ƚ */
	{0x019F, "o"},				/* Ɵ */
	{0x01B5, "z"},				/* Ƶ */
	{0x01B6, "z"},				/* ƶ */
	{0x01B7, "z"},				/* Ʒ ezh */
	{0x01DD, "e"},				/* ǝ */
	{0x01E4, "g"},				/* Ǥ */
	{0x01E5, "g"},				/* ǥ */
	{0x0244, "u"},				/* Ʉ */
	{0x0246, "e"},				/* Ɇ */
	{0x0247, "e"},				/* ɇ */
	{0x0253, "b"},				/* ɓ */
	{0x0256, "d"},				/* ɖ */
	{0x0257, "d"},				/* ɗ */
	{0x0259, "e"},				/* ə schwa */
	{0x025B, "e"},				/* ɛ */
	{0x0268, "i"},				/* ɨ */
	{0x0272, "n"},				/* ɲ */
	{0x0275, "o"},				/* ɵ */
	{0x0289, "u"},				/* ʉ */
	{0x0292, "z"},				/* ʒ ezh */
	{0x1E9E, "ss"},				/* ẞ capital sharp s */
	{0xFB00, "ff"},				/* ﬀ */
	{0xFB01, "fi"},				/* ﬁ */
	{0xFB02, "fl"},				/* ﬂ */
	{0xFB03, "ffi"},			/* ﬃ */
	{0xFB04, "ffl"},			/* ﬄ */
	{0xFB05, "st"},				/* ﬅ */
	{0xFB06, "st"},				/* ﬆ */
};

/*
 * Russian and Ukrainian Cyrillic, small letters U+0430..U+044F (capitals
 * U+0410..U+042F map here).  ъ and ь are dropped.  й, ё and ї arrive
 * decomposed (и + breve, е + diaeresis, і + diaeresis) and are handled in
 * transliterate_cyrillic(): й y, ё e, ї yi.
 */
static const char *const cyrillic_basic[32] = {
	"a", "b", "v", "g", "d", "e", "zh", "z",	/* а б в г д е ж з */
	"i", "y", "k", "l", "m", "n", "o", "p",		/* и й к л м н о п */
	"r", "s", "t", "u", "f", "kh", "ts", "ch",	/* р с т у ф х ц ч */
	"sh", "shch", "", "y", "", "e", "yu", "ya"	/* ш щ ъ ы ь э ю я */
};

/*
 * U+0450..U+045F (capitals U+0400..U+040F): ѐ ё ђ ѓ є ѕ і ї ј љ њ ћ ќ ѝ ў џ.
 * The precomposed ones never reach this table after NFD.
 */
static const char *const cyrillic_extra[16] = {
	"e", "e", "dj", "g", "ye", "dz", "i", "yi",
	"j", "lj", "nj", "c", "k", "i", "u", "dz"
};

/*
 * Greek small letters U+03B1..U+03C9 (capitals U+0391..U+03A9 map here;
 * U+03C2 is the final sigma).  γ before γ κ ξ χ reads n, υ after α ε η
 * reads v and after ο reads u (ου), unless it carries a diaeresis.
 */
static const char *const greek_basic[25] = {
	"a", "v", "g", "d", "e", "z", "i", "th",	/* α β γ δ ε ζ η θ */
	"i", "k", "l", "m", "n", "x", "o", "p",		/* ι κ λ μ ν ξ ο π */
	"r", "s", "s", "t", "y", "f", "ch", "ps",	/* ρ ς σ τ υ φ χ ψ */
	"o"											/* ω */
};

/* What a code point becomes, apart from the letters mapped above. */
typedef enum CharClass
{
	CC_KEEP,					/* letter of another script: keep as is */
	CC_SEPARATOR,				/* whitespace, punctuation, symbol */
	CC_DROP						/* diacritic or invisible format character */
} CharClass;

/* A closed range of code points and its class, sorted for bsearch. */
typedef struct CharRange
{
	pg_wchar	first;
	pg_wchar	last;
	CharClass	cls;
} CharRange;

/*
 * Non-ASCII code points that are not kept.  Ranges are disjoint and sorted;
 * anything not listed (and not handled by a table above) is kept.
 */
static const CharRange char_ranges[] = {
	{0x0080, 0x00A9, CC_SEPARATOR},	/* C1 controls, Latin-1 punctuation */
	{0x00AB, 0x00AC, CC_SEPARATOR},
	{0x00AD, 0x00AD, CC_DROP},	/* soft hyphen */
	{0x00AE, 0x00B1, CC_SEPARATOR},
	{0x00B4, 0x00B4, CC_SEPARATOR},
	{0x00B6, 0x00B8, CC_SEPARATOR},
	{0x00BB, 0x00BF, CC_SEPARATOR},
	{0x00D7, 0x00D7, CC_SEPARATOR},	/* × */
	{0x00F7, 0x00F7, CC_SEPARATOR},	/* ÷ */
	{0x02B9, 0x02FF, CC_SEPARATOR},	/* modifier letters used as quotes, accents */
	{0x0300, 0x036F, CC_DROP},	/* combining diacritical marks */
	{0x0374, 0x0375, CC_SEPARATOR},	/* Greek numeral signs */
	{0x037A, 0x037A, CC_DROP},	/* ypogegrammeni */
	{0x037E, 0x037E, CC_SEPARATOR},
	{0x0384, 0x0385, CC_SEPARATOR},	/* tonos */
	{0x0387, 0x0387, CC_SEPARATOR},
	{0x0482, 0x0482, CC_SEPARATOR},	/* Cyrillic thousands sign */
	{0x0483, 0x0489, CC_DROP},	/* Cyrillic titlo and friends */
	{0x055A, 0x055F, CC_SEPARATOR},	/* Armenian punctuation */
	{0x0589, 0x058A, CC_SEPARATOR},
	{0x0591, 0x05BD, CC_DROP},	/* Hebrew cantillation and points */
	{0x05BE, 0x05BE, CC_SEPARATOR},	/* maqaf */
	{0x05BF, 0x05BF, CC_DROP},
	{0x05C0, 0x05C0, CC_SEPARATOR},
	{0x05C1, 0x05C2, CC_DROP},
	{0x05C3, 0x05C3, CC_SEPARATOR},
	{0x05C4, 0x05C5, CC_DROP},
	{0x05C6, 0x05C6, CC_SEPARATOR},
	{0x05C7, 0x05C7, CC_DROP},
	{0x05F3, 0x05F4, CC_SEPARATOR},	/* geresh, gershayim */
	{0x0600, 0x0605, CC_DROP},	/* Arabic number signs */
	{0x0606, 0x060F, CC_SEPARATOR},	/* Arabic punctuation */
	{0x0610, 0x061A, CC_DROP},	/* Arabic marks */
	{0x061B, 0x061B, CC_SEPARATOR},
	{0x061C, 0x061C, CC_DROP},	/* Arabic letter mark */
	{0x061D, 0x061F, CC_SEPARATOR},
	{0x0640, 0x0640, CC_DROP},	/* tatweel */
	{0x064B, 0x065F, CC_DROP},	/* harakat */
	{0x066A, 0x066D, CC_SEPARATOR},
	{0x0670, 0x0670, CC_DROP},
	{0x06D4, 0x06D4, CC_SEPARATOR},
	{0x06D6, 0x06DC, CC_DROP},
	{0x06DD, 0x06DE, CC_SEPARATOR},
	{0x06DF, 0x06E4, CC_DROP},
	{0x06E7, 0x06E8, CC_DROP},
	{0x06E9, 0x06E9, CC_SEPARATOR},
	{0x06EA, 0x06ED, CC_DROP},
	{0x0964, 0x0965, CC_SEPARATOR},	/* danda */
	{0x0970, 0x0970, CC_SEPARATOR},
	{0x0E4F, 0x0E4F, CC_SEPARATOR},	/* Thai punctuation */
	{0x0E5A, 0x0E5B, CC_SEPARATOR},
	{0x1360, 0x1368, CC_SEPARATOR},	/* Ethiopic punctuation */
	{0x166D, 0x166E, CC_SEPARATOR},
	{0x1680, 0x1680, CC_SEPARATOR},	/* ogham space */
	{0x169B, 0x169C, CC_SEPARATOR},
	{0x16EB, 0x16ED, CC_SEPARATOR},
	{0x17D4, 0x17DA, CC_SEPARATOR},	/* Khmer punctuation */
	{0x1800, 0x180A, CC_SEPARATOR},	/* Mongolian punctuation */
	{0x180B, 0x180F, CC_DROP},	/* Mongolian variation selectors */
	{0x1AB0, 0x1AFF, CC_DROP},	/* combining diacritics extended */
	{0x1DC0, 0x1DFF, CC_DROP},	/* combining diacritics supplement */
	{0x2000, 0x200A, CC_SEPARATOR},	/* spaces */
	{0x200B, 0x200F, CC_DROP},	/* zero-width space, joiners, LRM, RLM */
	{0x2010, 0x2029, CC_SEPARATOR},	/* dashes, quotes, bullets, line breaks */
	{0x202A, 0x202E, CC_DROP},	/* bidi embeddings */
	{0x202F, 0x205F, CC_SEPARATOR},
	{0x2060, 0x206F, CC_DROP},	/* word joiner, invisible operators, bidi */
	{0x2070, 0x20CF, CC_SEPARATOR},	/* super/subscripts, currency */
	{0x20D0, 0x20FF, CC_DROP},	/* combining marks for symbols */
	{0x2100, 0x2BFF, CC_SEPARATOR},	/* letterlike .. misc symbols and arrows */
	{0x2E00, 0x2E7F, CC_SEPARATOR},	/* supplemental punctuation */
	{0x2FF0, 0x2FFF, CC_SEPARATOR},	/* ideographic description */
	{0x3000, 0x3004, CC_SEPARATOR},	/* ideographic space, 、。 */
	{0x3008, 0x3020, CC_SEPARATOR},	/* CJK brackets, marks (々〆〇 kept) */
	{0x302A, 0x302F, CC_DROP},	/* ideographic tone marks */
	{0x3030, 0x3030, CC_SEPARATOR},
	{0x3036, 0x303A, CC_SEPARATOR},
	{0x303D, 0x303F, CC_SEPARATOR},
	{0x309B, 0x309C, CC_SEPARATOR},	/* spacing kana voicing marks */
	{0x30A0, 0x30A0, CC_SEPARATOR},
	{0x30FB, 0x30FB, CC_SEPARATOR},	/* katakana middle dot */
	{0x3200, 0x33FF, CC_SEPARATOR},	/* enclosed CJK, CJK compatibility */
	{0xE000, 0xF8FF, CC_SEPARATOR},	/* private use */
	{0xFD3E, 0xFD3F, CC_SEPARATOR},
	{0xFE00, 0xFE0F, CC_DROP},	/* variation selectors */
	{0xFE10, 0xFE1F, CC_SEPARATOR},	/* vertical forms */
	{0xFE20, 0xFE2F, CC_DROP},	/* combining half marks */
	{0xFE30, 0xFE6F, CC_SEPARATOR},	/* CJK compatibility, small forms */
	{0xFEFF, 0xFEFF, CC_DROP},	/* byte order mark */
	{0xFF01, 0xFF0F, CC_SEPARATOR},	/* fullwidth punctuation */
	{0xFF1A, 0xFF20, CC_SEPARATOR},
	{0xFF3B, 0xFF40, CC_SEPARATOR},
	{0xFF5B, 0xFF65, CC_SEPARATOR},
	{0xFFE0, 0xFFFF, CC_SEPARATOR},	/* fullwidth symbols, specials */
	{0x1F000, 0x1FBFF, CC_SEPARATOR},	/* emoji, symbols, pictographs */
	{0xE0000, 0xE007F, CC_DROP},	/* tags */
	{0xE0100, 0xE01EF, CC_DROP},	/* variation selectors supplement */
	{0xF0000, 0x10FFFF, CC_SEPARATOR},	/* private use planes */
};

/* Output under construction: code points, with a pending separator. */
typedef struct NormOut
{
	pg_wchar   *buf;
	int			len;
	bool		pending_space;
	bool		non_ascii;
} NormOut;

/* Appends one code point, preceded by a space if a separator is pending. */
static inline void
out_char(NormOut *o, pg_wchar c)
{
	if (o->pending_space && o->len > 0)
		o->buf[o->len++] = ' ';
	o->pending_space = false;
	o->buf[o->len++] = c;
	if (c >= 0x80)
		o->non_ascii = true;
}

/* Appends an ASCII spelling (possibly empty: the letter is dropped). */
static inline void
out_ascii(NormOut *o, const char *s)
{
	for (; *s; s++)
		out_char(o, (unsigned char) *s);
}

/* Marks a separator: at most one space, and only between characters. */
static inline void
out_separator(NormOut *o)
{
	o->pending_space = true;
}

/* bsearch comparator for special_letters. */
static int
special_cmp(const void *key, const void *elem)
{
	pg_wchar	c = *(const pg_wchar *) key;
	pg_wchar	e = ((const SpecialLetter *) elem)->cp;

	return c < e ? -1 : (c > e ? 1 : 0);
}

/* bsearch comparator for char_ranges. */
static int
range_cmp(const void *key, const void *elem)
{
	pg_wchar	c = *(const pg_wchar *) key;
	const CharRange *r = (const CharRange *) elem;

	if (c < r->first)
		return -1;
	if (c > r->last)
		return 1;
	return 0;
}

/* The class of a non-ASCII code point not handled by the letter tables. */
static CharClass
char_class(pg_wchar c)
{
	const CharRange *r;

	r = bsearch(&c, char_ranges, lengthof(char_ranges), sizeof(CharRange), range_cmp);
	return r ? r->cls : CC_KEEP;
}

/* Is c a combining diacritic in the main block (what NFD splits off)? */
static inline bool
is_diacritic(pg_wchar c)
{
	return c >= 0x0300 && c <= 0x036F;
}

/* Does the base letter at s[i] carry the combining mark mark? */
static bool
has_mark(const pg_wchar *s, int n, int i, pg_wchar mark)
{
	for (int j = i + 1; j < n && is_diacritic(s[j]); j++)
	{
		if (s[j] == mark)
			return true;
	}
	return false;
}

/* The next base character after s[i] (skipping its marks), or 0. */
static pg_wchar
next_base(const pg_wchar *s, int n, int i)
{
	int			j = i + 1;

	while (j < n && is_diacritic(s[j]))
		j++;
	return j < n ? s[j] : 0;
}

/* The base character before s[i] (skipping marks), or 0. */
static pg_wchar
prev_base(const pg_wchar *s, int i)
{
	int			j = i - 1;

	while (j >= 0 && is_diacritic(s[j]))
		j--;
	return j >= 0 ? s[j] : 0;
}

/* Lower-cases a Greek letter of the basic block; others unchanged. */
static inline pg_wchar
greek_lower(pg_wchar c)
{
	if (c >= 0x0391 && c <= 0x03A9)
		return c + 0x20;
	return c;
}

/* Transliterates the Cyrillic letter at s[i]; false if it has no spelling. */
static bool
transliterate_cyrillic(NormOut *o, const pg_wchar *s, int n, int i)
{
	pg_wchar	c = s[i];

	if (c >= 0x0410 && c <= 0x042F)
		c += 0x20;
	else if (c >= 0x0400 && c <= 0x040F)
		c += 0x50;

	if (c == 0x0438 && has_mark(s, n, i, 0x0306))
		out_ascii(o, "y");		/* й */
	else if (c == 0x0456 && has_mark(s, n, i, 0x0308))
		out_ascii(o, "yi");		/* ї */
	else if (c >= 0x0430 && c <= 0x044F)
		out_ascii(o, cyrillic_basic[c - 0x0430]);
	else if (c >= 0x0450 && c <= 0x045F)
		out_ascii(o, cyrillic_extra[c - 0x0450]);
	else if (c == 0x0490 || c == 0x0491)
		out_ascii(o, "g");		/* Ґ ґ */
	else
		return false;
	return true;
}

/* Transliterates the Greek letter at s[i]; false if it has no spelling. */
static bool
transliterate_greek(NormOut *o, const pg_wchar *s, int n, int i)
{
	pg_wchar	c = greek_lower(s[i]);

	if (c == 0x03B3)			/* γ */
	{
		pg_wchar	next = greek_lower(next_base(s, n, i));

		/* γγ, γκ, γξ, γχ are nasal: ευάγγελος evangelos */
		out_ascii(o, (next == 0x03B3 || next == 0x03BA || next == 0x03BE ||
					  next == 0x03C7) ? "n" : "g");
	}
	else if (c == 0x03C5 && !has_mark(s, n, i, 0x0308))	/* υ */
	{
		pg_wchar	prev = greek_lower(prev_base(s, i));

		if (prev == 0x03BF)
			out_ascii(o, "u");	/* ου */
		else if (prev == 0x03B1 || prev == 0x03B5 || prev == 0x03B7)
			out_ascii(o, "v");	/* αυ, ευ, ηυ */
		else
			out_ascii(o, "y");
	}
	else if (c >= 0x03B1 && c <= 0x03C9)
		out_ascii(o, greek_basic[c - 0x03B1]);
	else
	{
		/* symbol variants of the letters */
		switch (c)
		{
			case 0x03D0:
				out_ascii(o, "v");
				break;
			case 0x03D2:
				out_ascii(o, "y");
				break;
			case 0x03D1:
			case 0x03F4:
				out_ascii(o, "th");
				break;
			case 0x03D5:
				out_ascii(o, "f");
				break;
			case 0x03D6:
				out_ascii(o, "p");
				break;
			case 0x03F0:
				out_ascii(o, "k");
				break;
			case 0x03F1:
				out_ascii(o, "r");
				break;
			case 0x03F2:
			case 0x03F9:
				out_ascii(o, "s");
				break;
			case 0x03F5:
				out_ascii(o, "e");
				break;
			default:
				return false;
		}
	}
	return true;
}

/* Maps a decimal digit of a few common scripts to ASCII, or returns 0. */
static inline char
script_digit(pg_wchar c)
{
	if (c >= 0x0660 && c <= 0x0669)
		return '0' + (c - 0x0660);	/* Arabic-Indic */
	if (c >= 0x06F0 && c <= 0x06F9)
		return '0' + (c - 0x06F0);	/* Extended Arabic-Indic */
	if (c >= 0x0966 && c <= 0x096F)
		return '0' + (c - 0x0966);	/* Devanagari */
	if (c >= 0xFF10 && c <= 0xFF19)
		return '0' + (c - 0xFF10);	/* fullwidth */
	return 0;
}

/* Normalizes the NFD code points s[0..n-1] into o (see the file header). */
static void
normalize_codepoints(const pg_wchar *s, int n, NormOut *o)
{
	for (int i = 0; i < n; i++)
	{
		pg_wchar	c = s[i];
		const SpecialLetter *sp;
		char		digit;

		CHECK_FOR_INTERRUPTS();

		if (c < 0x80)
		{
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				out_char(o, c);
			else if (c >= 'A' && c <= 'Z')
				out_char(o, c + ('a' - 'A'));
			else
				out_separator(o);
			continue;
		}
		if ((c >= 0x0400 && c <= 0x045F) || c == 0x0490 || c == 0x0491)
		{
			if (transliterate_cyrillic(o, s, n, i))
				continue;
		}
		else if (c >= 0x0391 && c <= 0x03FF)
		{
			if (transliterate_greek(o, s, n, i))
				continue;
		}
		else if ((c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
		{
			/* fullwidth Latin letters */
			out_char(o, 'a' + ((c - 0xFF21) % 0x20));
			continue;
		}
		if ((digit = script_digit(c)) != 0)
		{
			out_char(o, (pg_wchar) digit);
			continue;
		}
		sp = bsearch(&c, special_letters, lengthof(special_letters),
					 sizeof(SpecialLetter), special_cmp);
		if (sp)
		{
			out_ascii(o, sp->ascii);
			continue;
		}
		switch (char_class(c))
		{
			case CC_KEEP:
				out_char(o, c);
				break;
			case CC_SEPARATOR:
				out_separator(o);
				break;
			case CC_DROP:
				break;
		}
	}
}

/*
 * Decodes UTF-8 into a zero-terminated code point array, reading every
 * ill-formed or truncated sequence as one separator (a space).
 */
static pg_wchar *
decode_utf8(const unsigned char *s, int len, int *ncodes)
{
	pg_wchar   *w = palloc(sizeof(pg_wchar) * (len + 1));
	int			n = 0;
	int			i = 0;

	while (i < len)
	{
		int			l;

		CHECK_FOR_INTERRUPTS();
		l = pg_utf_mblen(s + i);
		if (l <= len - i && pg_utf8_islegal(s + i, l))
		{
			pg_wchar	c = utf8_to_unicode(s + i);

			w[n++] = (c == 0 || !is_valid_unicode_codepoint(c)) ? ' ' : c;
			i += l;
		}
		else
		{
			w[n++] = ' ';
			i++;
		}
	}
	w[n] = 0;
	*ncodes = n;
	return w;
}

/* Counts a zero-terminated code point array. */
static int
wchar_len(const pg_wchar *w)
{
	int			n = 0;

	while (w[n])
		n++;
	return n;
}

/* The ASCII-only fast path: no conversion or Unicode tables needed. */
static char *
normalize_ascii(const char *s, int len)
{
	char	   *out = palloc(len + 1);
	int			n = 0;
	bool		pending = false;

	for (int i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
		{
			pending = true;
			continue;
		}
		if (pending && n > 0)
			out[n++] = ' ';
		pending = false;
		out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

/* Raises 22001 for input beyond NAME_NORM_MAX_BYTES. */
static void
check_input_size(int len)
{
	if (len > NAME_NORM_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("name is too long to normalize"),
				 errdetail("The input has %d bytes; the limit is %d.",
						   len, NAME_NORM_MAX_BYTES)));
}

/*
 * Normalizes a name given in the server encoding (len bytes, need not be
 * terminated).  Returns a palloc'd, NUL-terminated string in the server
 * encoding; empty when nothing but separators was given.
 */
char *
name_normalize(const char *s, int len)
{
	int			encoding = GetDatabaseEncoding();
	bool		ascii = true;
	const char *utf8;
	pg_wchar   *codes;
	pg_wchar   *nfd;
	int			n;
	NormOut		o;
	StringInfoData buf;
	char	   *result;

	check_input_size(len);
	for (int i = 0; i < len; i++)
	{
		if (IS_HIGHBIT_SET(s[i]))
		{
			ascii = false;
			break;
		}
	}
	if (ascii)
		return normalize_ascii(s, len);

	/* To UTF-8; SQL_ASCII bytes are read as UTF-8 as far as they are valid. */
	if (encoding == PG_UTF8 || encoding == PG_SQL_ASCII)
		utf8 = s;
	else
	{
		utf8 = pg_server_to_any(s, len, PG_UTF8);
		if (utf8 != s)
			len = strlen(utf8);
	}

	codes = decode_utf8((const unsigned char *) utf8, len, &n);
	nfd = unicode_normalize(UNICODE_NFD, codes);
	if (nfd == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	pfree(codes);
	n = wchar_len(nfd);

	o.buf = palloc(sizeof(pg_wchar) * ((Size) n * NAME_NORM_MAX_EXPANSION + 1));
	o.len = 0;
	o.pending_space = false;
	o.non_ascii = false;
	normalize_codepoints(nfd, n, &o);
	o.buf[o.len] = 0;
	pfree(nfd);

	/* Recompose what was kept of other scripts (Hangul, voiced kana). */
	if (o.non_ascii)
	{
		pg_wchar   *nfc = unicode_normalize(UNICODE_NFC, o.buf);

		if (nfc == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		pfree(o.buf);
		o.buf = nfc;
		o.len = wchar_len(nfc);
	}

	initStringInfo(&buf);
	for (int i = 0; i < o.len; i++)
	{
		unsigned char u[8];

		if (o.buf[i] < 0x80)
			appendStringInfoChar(&buf, (char) o.buf[i]);
		else
		{
			unicode_to_utf8(o.buf[i], u);
			appendBinaryStringInfo(&buf, (char *) u, pg_utf_mblen(u));
		}
	}
	pfree(o.buf);

	if (!o.non_ascii || encoding == PG_UTF8 || encoding == PG_SQL_ASCII)
		return buf.data;
	result = pg_any_to_server(buf.data, buf.len, PG_UTF8);
	if (result == buf.data)
		return result;
	pfree(buf.data);
	return result;
}

/* qsort comparator: byte order of NUL-terminated tokens. */
static int
token_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Folds German transliterations in one token, in place: ae, oe, ue become
 * a, o, u ("mueller" muller), except after a vowel, where the e belongs to a
 * diphthong ("bauer", "neuer" stay as they are).
 */
static void
fold_token(char *t)
{
	char	   *src = t;
	char	   *dst = t;
	bool		after_vowel = false;

	while (*src)
	{
		char		c = *src++;

		*dst++ = c;
		if ((c == 'a' || c == 'o' || c == 'u') && *src == 'e' && !after_vowel)
			src++;				/* skip the e */
		after_vowel = (c == 'a' || c == 'e' || c == 'i' || c == 'o' ||
					   c == 'u' || c == 'y');
	}
	*dst = '\0';
}

/*
 * Splits a normalized string (single spaces, no leading or trailing ones)
 * into tokens, optionally folds each, sorts them and joins them with one
 * space.  norm is modified.
 */
static char *
sorted_tokens(char *norm, bool fold)
{
	int			ntokens = 0;
	char	  **tokens;
	char	   *p;
	StringInfoData buf;

	if (*norm == '\0')
		return norm;
	for (p = norm; *p; p++)
	{
		if (*p == ' ')
			ntokens++;
	}
	ntokens++;
	tokens = palloc(sizeof(char *) * ntokens);
	ntokens = 0;
	p = norm;
	for (;;)
	{
		char	   *sp = strchr(p, ' ');

		CHECK_FOR_INTERRUPTS();
		tokens[ntokens++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	if (fold)
	{
		for (int i = 0; i < ntokens; i++)
			fold_token(tokens[i]);
	}
	qsort(tokens, ntokens, sizeof(char *), token_cmp);

	initStringInfo(&buf);
	for (int i = 0; i < ntokens; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ' ');
		appendStringInfoString(&buf, tokens[i]);
	}
	pfree(tokens);
	return buf.data;
}

/* name_normalize's tokens sorted in byte order, joined by single spaces. */
char *
name_key(const char *s, int len)
{
	return sorted_tokens(name_normalize(s, len), false);
}

/* name_key with ae, oe, ue folded to a, o, u in every token, re-sorted. */
char *
name_fold(const char *s, int len)
{
	return sorted_tokens(name_normalize(s, len), true);
}
