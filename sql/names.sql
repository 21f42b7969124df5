-- Name normalization: tasks.name_norm, tasks.name_key, tasks.name_fold.
-- One edge case per line: what the user typed, then the three forms.
SELECT input, tasks.name_norm(input) AS norm, tasks.name_key(input) AS key, tasks.name_fold(input) AS fold
FROM (VALUES
	('Hans Müller'),
	('Müller, Hans'),
	('Hans MÜLLER'),
	('  müller   hans!! '),
	('Mueller'),
	('Muller'),
	('Schroeder Goethe Kuehne'),
	('Bauer Neuer Sauer'),
	('Crème Brûlée'),
	('Ångström Dvořák'),
	('Nguyễn Thị Minh Khai'),
	('Şahin Çelik Ğ'),
	('İstanbul ılık'),
	('Straße STRASSE ẞ'),
	('Ærø Æsir'),
	('Øystein Søren'),
	('Œuvre cœur'),
	('Đorđe Ðakovo'),
	('Łukasz Żółć'),
	('Þórður Guðmundsson'),
	('ﬁsh ﬂow'),
	('Иванов'),
	('Щукин'),
	('Фёдор Достоевский'),
	('Андрей Йовович'),
	('Жуков Хрущёв Цветаева Чехов Шолохов'),
	('Юрий Ярослав Объект Мягкий'),
	('Їжак Євгенія Іванна Ґудзь'),
	('Γιώργος'),
	('ΓΙΏΡΓΟΣ'),
	('Οδυσσέας Ελύτης'),
	('Ευάγγελος Παύλος Γεωργίου'),
	('Ψυχή Χάος Θεός Ξένος'),
	('προϋπόθεση'),
	('北京市'),
	('佐々木 健'),
	('김철수'),
	('ガッツ ぱぴぷ'),
	('עִבְרִית'),
	('مُحَمَّد علي'),
	('हिन्दी'),
	('😀 Smile 😀'),
	('Anna 👩‍💻 Lee'),
	('Berlin 🇩🇪'),
	('Smith & Sons, Inc.'),
	('O''Brien'),
	('O’Brien'),
	('Jean-Luc Picard'),
	('Hans—Peter'),
	('«Müller» „Hans“'),
	('a/b\c|d_e'),
	('Dr. med. Müller'),
	(E'Hans\tMüller\n'),
	(E'Hans\u00a0Müller'),
	(E'Hans\u3000Müller'),
	(E'Hans\u2003\u2003Müller'),
	(E'Mül\u00adler'),
	(E'Ann\u200ba'),
	(E'Mu\u0308ller'),
	('ＭＵＬＬＥＲ　１２３'),
	('Room 101'),
	('٣٤٥ ۷'),
	('é € 𠜎 😀'),
	('𝐀𝐁'),
	(''),
	('!!!'),
	('😀😀'),
	(' ')
) AS t(input);
-- composed and decomposed input agree, and other scripts come back composed
SELECT tasks.name_norm(E'Mu\u0308ller') = tasks.name_norm('Müller') AS decomposed_same,
	tasks.name_norm('김철수') = '김철수' AS hangul_kept,
	tasks.name_norm('ガッツ') = 'ガッツ' AS kana_kept;
-- word order, case, accents and punctuation do not matter to the key
SELECT tasks.name_key('Müller, Hans') = tasks.name_key('hans muller') AS comma_order,
	tasks.name_key('Hans MÜLLER') = tasks.name_key('hans muller') AS upper_case,
	tasks.name_key('Hans Mueller') = tasks.name_key('Hans Müller') AS key_keeps_ue,
	tasks.name_fold('Hans Mueller') = tasks.name_fold('Hans Müller') AS fold_ue,
	tasks.name_fold('Muller, Hans') = tasks.name_fold('Hans Müller') AS fold_plain;
-- NULL in, NULL out (STRICT)
SELECT tasks.name_norm(NULL) IS NULL AS norm_null, tasks.name_key(NULL) IS NULL AS key_null, tasks.name_fold(NULL) IS NULL AS fold_null;
-- long input: up to 8 kB is fine, more is 22001
SELECT length(tasks.name_norm(repeat('Müller ', 1000))) AS norm_len, length(tasks.name_key(repeat('b a ', 2000))) AS key_len;
SELECT left(tasks.name_key(repeat('b a ', 2000)), 12) AS key_head;
DO $$
BEGIN
	PERFORM tasks.name_norm(repeat('x', 1048577));
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE '% %', SQLSTATE, SQLERRM;
END $$;
-- usable in generated columns and indexes: immutable, parallel safe
SELECT proname, provolatile, proparallel FROM pg_proc
WHERE pronamespace = 'tasks'::regnamespace AND proname IN ('name_norm', 'name_key', 'name_fold') ORDER BY proname;
