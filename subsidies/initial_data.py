"""The catalogue as first loaded (DOMAIN.md and reference/ 000, 002, 003, 004); staff keep it current in the admin.

Plain data so that the data migration stays independent of the models' Python code.
"""

METI_SME_CN = "https://www.meti.go.jp/policy/energy_environment/global_warming/SME/pamphlet/pamphlet2022fy01.pdf"
# The first load (0002) stamped this date as "last checked" although nobody had checked anything; 0004 clears it.
LAST_CHECKED = "2026-11-23"
M = 1_000_000

# The documents the entries were written from (reference/000–004), with their date as the document gives it.
SOURCES = {
    "smrj_2023": (
        "中小機構「中小機構のカーボンニュートラルに係る取組みについて」",
        "資料に日付の記載なし（2023年2月までの実績を掲載）",
    ),
    "smrj_kyushu": ("中小機構 九州本部「中小機構のカーボンニュートラル支援」", "2025年（資料の著作権表示）"),
    "tohoku_overview": (
        "東北経済産業局 カーボンニュートラル推進室の説明資料（「中小企業等向けの主な支援策の全体像」）",
        "資料に日付の記載なし（令和6年3月の経済産業省資料を引用）",
    ),
    "aichi_2026": ("愛知県「令和8年度中小企業脱炭素経営強化促進事業 募集要項」", "令和8年度"),
}
MEASURE_SOURCES = {
    "中小機構 カーボンニュートラル・オンライン相談窓口": "smrj_kyushu",
    "省エネお助け隊": "tohoku_overview",
    "省エネ最適化診断": "tohoku_overview",
    "IT導入補助金": "tohoku_overview",
    "省エネ補助金（省エネルギー投資促進支援事業費補助金）": "tohoku_overview",
    "省エネルギー設備投資に係る利子補給金": "tohoku_overview",
    "CEV補助金（クリーンエネルギー自動車導入促進補助金）": "tohoku_overview",
    "カーボンニュートラル投資促進税制": "tohoku_overview",
    "低炭素リース信用保険": "tohoku_overview",
    "ものづくり補助金 グリーン枠": "smrj_2023",
    "事業再構築補助金 グリーン成長枠": "smrj_2023",
    "自動車部品サプライヤー支援事業（ミカタプロジェクト）": "tohoku_overview",
    "J-クレジット制度": "tohoku_overview",
    "愛知県 中小企業脱炭素経営強化促進事業（令和8年度）": "aichi_2026",
}
# Who may use a track, by head-count. reference/000 gives 中小企業 and 中堅企業 their own track without defining
# them; a 中堅企業 is a firm that is not an SME, and a firm of 50 people or fewer is an SME in every industry
# (中小企業基本法: the lowest head-count line is retail's 50), so the 中堅企業 track starts at 51 people.
TRACK_ELIGIBILITY = {
    ("事業再構築補助金 グリーン成長枠", "中堅企業"): (
        51,
        None,
        "中小企業に当たらない企業（中堅企業）向けの枠です。従業員50人以下の会社は業種を問わず中小企業に当たるため対象外です。中小企業かどうかは業種・資本金・従業員数で決まるので、公募要領でご確認ください。",
    ),
    ("事業再構築補助金 グリーン成長枠", "中小企業"): (
        None,
        None,
        "中小企業向けの枠です。中小企業かどうかは業種・資本金・従業員数で決まるので、公募要領でご確認ください。",
    ),
}
PLAN_TYPE_OF_CHAMBERS = "environment"

MEASURES = [
    {
        "name": "中小機構 カーボンニュートラル・オンライン相談窓口",
        "kind": "consultation",
        "administering_body": "中小企業基盤整備機構（中小機構）",
        "step": "know",
        "use_purpose": "脱炭素の進め方を相談したい",
        "description": "何から始めればよいか、CO2の測り方、取引先からの要請への対応、使える補助金などを専門家に無料で相談できます（予約制・1回1時間・回数制限なし）。",
        "source_url": "https://www.smrj.go.jp/sme/sdgs/favgos000001to2v.html",
    },
    {
        "name": "省エネお助け隊",
        "kind": "diagnosis",
        "administering_body": "経済産業省 資源エネルギー庁（地域の支援機関）",
        "step": "measure",
        "use_purpose": "エネルギー使用量を把握したい",
        "description": "地域の専門家が事業所を訪れ、エネルギーの使い方を診断し、省エネの進め方を一緒に考えます。知る段階から測る段階まで相談できます。",
    },
    {
        "name": "省エネ最適化診断",
        "kind": "diagnosis",
        "administering_body": "一般財団法人 省エネルギーセンター",
        "step": "measure",
        "use_purpose": "エネルギー使用量を把握したい",
        "description": "工場やビルのエネルギー使用状況を専門家が診断し、省エネと再エネの導入策を提案します。",
    },
    {
        "name": "IT導入補助金",
        "kind": "subsidy",
        "administering_body": "中小企業庁",
        "step": "measure",
        "use_purpose": "設備整備・IT導入をしたい",
        "description": "エネルギーの見える化などに使えるITツールの導入費用の一部を補助します。",
    },
    {
        "name": "省エネ補助金（省エネルギー投資促進支援事業費補助金）",
        "kind": "subsidy",
        "administering_body": "経済産業省 資源エネルギー庁",
        "step": "reduce",
        "use_purpose": "設備整備・IT導入をしたい",
        "description": "高効率な空調・ボイラー・工作機械など、省エネ効果の高い設備への更新費用を補助します。",
    },
    {
        "name": "省エネルギー設備投資に係る利子補給金",
        "kind": "loan_insurance",
        "administering_body": "経済産業省 資源エネルギー庁",
        "step": "reduce",
        "use_purpose": "資金繰りを改善したい",
        "description": "省エネ設備への投資のために民間金融機関から借りた資金の利子の一部を国が補給します。",
    },
    {
        "name": "CEV補助金（クリーンエネルギー自動車導入促進補助金）",
        "kind": "subsidy",
        "administering_body": "一般社団法人 次世代自動車振興センター",
        "step": "reduce",
        "use_purpose": "設備整備・IT導入をしたい",
        "description": "電気自動車やプラグインハイブリッド車、燃料電池自動車などの購入費用の一部を補助します。",
    },
    {
        "name": "カーボンニュートラル投資促進税制",
        "kind": "tax",
        "administering_body": "経済産業省",
        "step": "reduce",
        "use_purpose": "設備整備・IT導入をしたい",
        "description": "脱炭素効果の高い設備を導入したときに、税額控除または特別償却を受けられる税制です。",
    },
    {
        "name": "低炭素リース信用保険",
        "kind": "loan_insurance",
        "administering_body": "一般社団法人 低炭素投資促進機構",
        "step": "reduce",
        "use_purpose": "資金繰りを改善したい",
        "description": "低炭素設備をリースで導入しやすくするため、リース料の支払いが滞ったときの損失を保険で補います。",
    },
    {
        "name": "ものづくり補助金 グリーン枠",
        "kind": "subsidy",
        "administering_body": "中小企業庁・全国中小企業団体中央会",
        "step": "supply_chain",
        "use_purpose": "新たな事業を行いたい",
        "description": "温室効果ガスの排出削減につながる新製品・サービスの開発や、炭素生産性を高める生産工程の改善に必要な設備・システム投資を補助します。上限額は従業員数と枠で決まります。",
        "subsidy_max_limit": 40 * M,
        "subsidy_rate": "2/3",
        "target_number_of_employees": "従業員数の制約なし",
        "tracks": [
            ("エントリー", 2, 3, None, [(0, 5, 7_500_000), (6, 20, 10 * M), (21, None, 12_500_000)]),
            ("スタンダード", 2, 3, None, [(0, 5, 10 * M), (6, 20, 15 * M), (21, None, 20 * M)]),
            ("アドバンス", 2, 3, None, [(0, 5, 20 * M), (6, 20, 30 * M), (21, None, 40 * M)]),
        ],
        "source_url": METI_SME_CN,
    },
    {
        "name": "事業再構築補助金 グリーン成長枠",
        "kind": "subsidy",
        "administering_body": "中小企業庁",
        "step": "supply_chain",
        "use_purpose": "新たな事業を行いたい",
        "description": "グリーン成長戦略の14分野の課題解決につながる事業再構築に、研究開発・技術開発や人材育成とあわせて取り組む事業者を支援します。",
        "subsidy_max_limit": 150 * M,
        "subsidy_rate": "中小企業 1/2、中堅企業 1/3",
        "tracks": [
            ("中小企業", 1, 2, 1 * M, [(0, None, 100 * M)]),
            ("中堅企業", 1, 3, 1 * M, [(0, None, 150 * M)]),
        ],
    },
    {
        "name": "自動車部品サプライヤー支援事業（ミカタプロジェクト）",
        "kind": "programme",
        "administering_body": "経済産業省（地域の拠点）",
        "step": "supply_chain",
        "use_purpose": "新たな事業を行いたい",
        "description": "電動化で需要が減る自動車部品サプライヤーの業態転換や事業再構築を、専門家が伴走して支援します。",
        "industry": ["manufacturing"],
        "source_url": "https://auto-supplier-mikata.go.jp/",
    },
    {
        "name": "J-クレジット制度",
        "kind": "programme",
        "administering_body": "経済産業省・環境省・農林水産省",
        "step": "supply_chain",
        "use_purpose": "環境に配慮した取組をしたい",
        "description": "省エネ設備の導入や再エネの活用で減らしたCO2をクレジットとして国が認証し、売却や取引先への説明に使えるようにする制度です。",
    },
    {
        "name": "愛知県 中小企業脱炭素経営強化促進事業（令和8年度）",
        "kind": "programme",
        "administering_body": "愛知県",
        "step": "reduce",
        "use_purpose": "環境に配慮した取組をしたい",
        "description": "中小企業版SBTの取得を目指す愛知県内の中小企業に専門アドバイザーを無料で派遣し、Scope1・2と1つ以上のScope3カテゴリの算定、削減目標の設定、省エネ診断、3〜5年の削減計画とロードマップづくりを支援します。募集は5社・先着順で、事例を100社以上に広められる連携パートナー（取引先の大企業、業界団体、金融機関など）との共同申請が条件です。支援期間は2027年3月29日まで。",
        "target_area_search": ["aichi"],
        "rounds": [("令和8年度募集", "2026-06-15T00:00:00+09:00", "2026-08-31T23:59:59+09:00")],
        "source_url": "https://www.pref.aichi.jp/",
    },
]

# Chambers' environment action plans (reference/002, final table). Activities mapped to the DOMAIN.md list.
ACTION_PLANS = [
    ("秋田商工会議所", "akita", "秋田県秋田市", None, "", "非公開", []),
    (
        "東京商工会議所",
        "tokyo",
        "東京都23区",
        "2019-05-01",
        "ともに取り組む「身の丈エコ」",
        "会員企業向けのセミナー・イベント、経営指導員の研修に省エネを組み込み、情報発信。",
        ["seminar", "staff_training", "information"],
    ),
    (
        "立川商工会議所",
        "tokyo",
        "東京都立川市",
        "2015-04-01",
        "みんなでつくる活き活きとした立川プロジェクト",
        "地域の独自性を活かしたプロジェクト、省エネ体験プロジェクト、情報収集・提供。",
        ["information"],
    ),
    (
        "大和商工会議所",
        "kanagawa",
        "神奈川県大和市",
        None,
        "経営課題の解決 with SDGs",
        "SDGs経営の観点からの支援。会員企業のカーボンオフセットの事例紹介。",
        ["information"],
    ),
    (
        "名古屋商工会議所",
        "aichi",
        "愛知県名古屋市",
        "2019-03-01",
        "会員企業の持続可能な成長をサポート",
        "セミナー開催、情報提供、無料で参加できる環境クラブ。",
        ["seminar", "information"],
    ),
    ("大府商工会議所", "aichi", "愛知県大府市", None, "", "非公開", []),
    (
        "龍野商工会議所",
        "hyogo",
        "兵庫県たつの市",
        "2021-03-01",
        "「経済と環境の両立」を掲げて",
        "情報提供。",
        ["information"],
    ),
    (
        "京都商工会議所",
        "kyoto",
        "京都府京都市",
        "2021-07-01",
        "持続可能な社会を支える環境経営と省エネ・再エネの推進",
        "セミナー開催、情報提供、企業事例の紹介。",
        ["seminar", "information"],
    ),
    (
        "明石商工会議所",
        "hyogo",
        "兵庫県明石市",
        "2021-10-01",
        "地球規模で考え、無理せず足元から行動する",
        "CO2チェックシートの周知、情報収集・提供、エコアクション21の取得支援。",
        ["check_sheet", "information", "consultation"],
    ),
    (
        "備前商工会議所",
        "okayama",
        "岡山県備前市",
        None,
        "身近なエコ活。未来に向けて！",
        "CO2チェックシートの周知、セミナー開催、情報収集・提供、ISO 14001の取得支援。",
        ["check_sheet", "seminar", "information", "consultation"],
    ),
    (
        "広島商工会議所",
        "hiroshima",
        "広島県広島市",
        None,
        "長期的・持続的な環境経営をサポート",
        "省エネチェックシートの普及、セミナー開催、情報発信。",
        ["check_sheet", "seminar", "information"],
    ),
    ("山陽商工会議所", "yamaguchi", "山口県山陽小野田市山陽地区", None, "", "非公開", []),
    (
        "高知商工会議所",
        "kochi",
        "高知県高知市",
        "2020-04-01",
        "「おらんくのストップ温暖化宣言事業者」として環境経営を支援",
        "エコアクション21の取得支援、省エネアドバイザーの派遣、温暖化対策の宣言をウェブで公開。",
        ["consultation", "expert_dispatch", "information"],
    ),
    ("高松商工会議所", "kagawa", "香川県高松市", None, "", "非公開", []),
    (
        "津久見商工会議所",
        "oita",
        "大分県津久見市",
        "2021-07-01",
        "地域・行政と連携し会員事業所の取組みを支援",
        "CO2チェックシートの周知、国の補助金の情報提供と計画策定・申請・実施の支援。",
        ["check_sheet", "information", "subsidy_help"],
    ),
]
ACTION_PLANS_SOURCE = "https://eco.jcci.or.jp/usefullink"

# Issue 25: 「公式情報」 only for a measure's own official page; any other link is a 参考資料 shown with its name and
# year. Only these two links of the first load are the measure's own page (the SMRJ consultation page that
# reference/000 names 「カーボンニュートラルに関する相談｜中小機構」, and the Mikata project's site).
OFFICIAL_LINKS = [
    "中小機構 カーボンニュートラル・オンライン相談窓口",
    "自動車部品サプライヤー支援事業（ミカタプロジェクト）",
]
REFERENCE_LINK_TITLES = {
    METI_SME_CN: "経済産業省 中小企業のカーボンニュートラル支援策のパンフレット（2022年度）",
    "https://www.pref.aichi.jp/": "愛知県ウェブサイトのトップページ（令和8年度の募集。募集要項のURLは出典資料に記載なし）",
}
# Schemes of the first load that no longer take applications (issue 25, checked against the sources by hand): both
# are the FY2022 tracks reference/000 presents; the finder shows them only when asked for past schemes.
ENDED_MEASURES = {
    "ものづくり補助金 グリーン枠": "2022年度の支援策として紹介された枠で、今は募集していません"
    "（出典資料：中小機構「中小機構のカーボンニュートラルに係る取組みについて」、2023年2月までの実績）。"
    "今の枠は公式情報でご確認ください。",
    "事業再構築補助金 グリーン成長枠": "2022年度の支援策として紹介された枠で、今は募集していません"
    "（出典資料：中小機構「中小機構のカーボンニュートラルに係る取組みについて」、2023年2月までの実績）。"
    "今の枠は公式情報でご確認ください。",
}
DEMO_ROUND_NAME = "デモ用の公募回（架空）"
