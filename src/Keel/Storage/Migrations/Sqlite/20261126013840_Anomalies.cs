using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Anomalies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "anomalies",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    key_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    interval_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    interval_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    score = table.Column<double>(type: "REAL", nullable: false),
                    observed = table.Column<double>(type: "REAL", nullable: false),
                    baseline = table.Column<double>(type: "REAL", nullable: false),
                    expected_low = table.Column<double>(type: "REAL", nullable: false),
                    expected_high = table.Column<double>(type: "REAL", nullable: false),
                    detected_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_anomalies", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_anomalies_tenant_id_kind_key_id_interval_start",
                table: "anomalies",
                columns: new[] { "tenant_id", "kind", "key_id", "interval_start" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "anomalies");
        }
    }
}
