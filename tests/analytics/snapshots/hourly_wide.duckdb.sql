SELECT
  "t2"."site",
  "t2"."period",
  "t2"."a21026" AS "so2",
  "t2"."a21004" AS "no2",
  "t2"."a34002" AS "pm10",
  "t2"."a21005" AS "co",
  "t2"."a05024" AS "o3",
  "t2"."a34004" AS "pm25"
FROM (
  SELECT
    "t1"."site",
    "t1"."period",
    MAX("t1"."value") FILTER(WHERE
      "t1"."factor" = 'a21026') AS "a21026",
    MAX("t1"."value") FILTER(WHERE
      "t1"."factor" = 'a21004') AS "a21004",
    MAX("t1"."value") FILTER(WHERE
      "t1"."factor" = 'a34002') AS "a34002",
    MAX("t1"."value") FILTER(WHERE
      "t1"."factor" = 'a21005') AS "a21005",
    MAX("t1"."value") FILTER(WHERE
      "t1"."factor" = 'a05024') AS "a05024",
    MAX("t1"."value") FILTER(WHERE
      "t1"."factor" = 'a34004') AS "a34004"
  FROM (
    SELECT
      "t0"."site",
      "t0"."factor",
      CAST(FLOOR(
        (
          CAST(EPOCH(CAST("t0"."data_time" AS TIMESTAMP)) AS BIGINT) + 28800
        ) / (
          3600
        )
      ) AS BIGINT) AS "period",
      CASE
        WHEN "t0"."valid"
        AND (
          "t0"."avg" IS NOT NULL
        )
        AND (
          "t0"."avg" >= 0
        )
        AND (
          "t0"."avg" <= 100000000.0
        )
        THEN CAST(FLOOR("t0"."avg" * 1000000) AS BIGINT) + CAST((
          (
            (
              "t0"."avg" * 1000000
            ) - CAST(FLOOR("t0"."avg" * 1000000) AS BIGINT)
          ) > 0.5
        )
        OR (
          (
            (
              (
                "t0"."avg" * 1000000
              ) - CAST(FLOOR("t0"."avg" * 1000000) AS BIGINT)
            ) = 0.5
          )
          AND (
            (
              CAST(FLOOR("t0"."avg" * 1000000) AS BIGINT) % 2
            ) = 1
          )
        ) AS BIGINT)
        ELSE CAST(NULL AS BIGINT)
      END AS "value"
    FROM "readings" AS "t0"
    WHERE
      "t0"."factor" IN ('a21026', 'a21004', 'a34002', 'a21005', 'a05024', 'a34004')
      AND "t0"."site" IN ('219902A01')
  ) AS "t1"
  GROUP BY
    1,
    2
) AS "t2"
